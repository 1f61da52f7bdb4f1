import type { Observable, Subscription } from 'rxjs';
import type { ServerEvent } from '../../lib';

/**
 * Runs a server (`listen`, `serve`, …), collecting what it emits into `seen`, and resolves with
 * its port once it listens. The subscription goes into `running`, for the spec to stop it.
 */
export function startServer(server$: Observable<ServerEvent>, running: Subscription[], seen: ServerEvent[] = []): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    running.push(
      server$.subscribe({
        next: (e) => {
          seen.push(e);
          if (e.type === 'listening') resolve(e.port);
        },
        error: reject,
      }),
    );
  });
}
