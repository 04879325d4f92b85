"""The web console at ``/ui``: static pages (served from the package, never a CDN) over the JSON API, and the
diagrams as SVG rendered on the server."""
