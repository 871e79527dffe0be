from toolkit.text import slug
import toolkit.numbers
