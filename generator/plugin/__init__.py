"""The MkDocs face: a thin plugin over the core and the site renderer, and its watcher."""
