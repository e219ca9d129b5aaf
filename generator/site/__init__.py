"""The site: render the judged portfolio into Markdown pages, charts and feeds, and sanitise them."""
