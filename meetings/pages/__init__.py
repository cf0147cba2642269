"""The cluster's own pages (About us, privacy statement), the contact form and its messages,
what search engines and sharing read (structured data, Open Graph, sitemap, robots.txt),
and the list of events partners embed on their sites."""
