"""Running instances: settings, the Temporal connection, store, service, router, worker, dev server."""
