/**
 * Keeps this process's credential cache fresh: the credential store checks the credential epoch
 * in the background, so a rotation or disable made by any process (the CLI, another node) takes
 * effect here within a second, and cached look-ups on the request path never wait for the check.
 */
import type { Job } from './job.js';

export const credentialWatch: Job = {
  name: 'credential-watch',
  start({ services, log }) {
    services.credentials.startWatching();
    log.info({ job: 'credential-watch' }, 'watching for credential changes made by any process');
    return async () => services.credentials.stopWatching();
  },
};
