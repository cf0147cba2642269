"""The funder's report: meetings held in a period, the people and organisations present."""
