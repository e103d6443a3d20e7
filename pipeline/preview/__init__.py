"""The preview's parts: what a build published (`snapshot`), the pages that show it
(`pages`) and the real Hugo site it can be rendered through (`hugo`). The server and
watcher are `pipeline.serve`."""
