def style(chart):
    return chart
