// Service: the SpikeForge HTTP application — routes, job queue and workers, status page.
