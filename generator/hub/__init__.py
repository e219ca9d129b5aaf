"""Many repositories, one board (`launchboard hub`): a layer above the pipeline's steps, as the
command line is, because a hub uses all of them per source: the core to read and judge each
source at its pinned commit, the governance diff for policy drift, the reports for problems
and the site for its pages. sources.py reads, pins and judges; site.py renders the hub's site;
hooks.py is the MkDocs hook that sanitises its pages."""
