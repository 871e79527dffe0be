import gradio as gr

from sentiment import score

demo = gr.Interface(fn=score, inputs='text', outputs='number')
demo.launch()
