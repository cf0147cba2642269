"""Demo data: the Advanced Manufacturing & Robotics cluster, loaded by ``flask demo load``."""
