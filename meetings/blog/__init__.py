"""The cluster's blog: follow-up posts drafted from meetings, the public pages and the Atom feed."""
