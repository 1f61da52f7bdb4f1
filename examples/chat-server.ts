/**
 * A multi-client line chat over mutual TLS: only clients with a certificate from the chat's CA
 * get in, each is named by its certificate's common name, and every line a member says is sent
 * to all the others.
 *
 *   npx tsx examples/chat-server.ts   (makes a throwaway CA and client certificates in ./chat-*.pem)
 */
import { writeFileSync } from 'node:fs';
import { EMPTY, Observable, Subject, filter, map, merge, mergeMap } from 'rxjs';
import { converse, line, lines, listen, type Outbound, type ServerCredentials, type ServerEvent, type TlsEvent } from '../lib';
import { createTestPki } from '../lib/testing';

interface Said {
  readonly from: string;
  readonly text: string;
}

/**
 * The chat: a server over `listen` with client certificates required. Each connection's
 * dialogue announces the member, relays what others say, and says goodbye when it leaves.
 */
export function chatServer(options: { credentials: ServerCredentials; ca: string; port?: number }): Observable<ServerEvent> {
  const room = new Subject<Said>();
  return listen({ port: options.port ?? 0, credentials: options.credentials, requestCert: true, ca: options.ca }).pipe(
    mergeMap((event) => {
      if (event.type !== 'connection') return [event];
      event.events
        .pipe(
          lines(),
          converse((events$: Observable<TlsEvent>) => {
            let name = '?';
            const own = events$.pipe(
              mergeMap((e): Outbound[] => {
                if (e.type === 'connected') {
                  name = e.peer.subject.replace(/^CN=/, '');
                  room.next({ from: '*', text: `${name} joined` });
                  return [line(`* welcome, ${name}`)];
                }
                if (e.type === 'line') room.next({ from: name, text: e.text });
                if (e.type === 'closed') room.next({ from: '*', text: `${name} left` });
                return [];
              }),
            );
            const others = room.pipe(
              filter((said) => said.from !== name),
              map((said) => line(said.from === '*' ? `* ${said.text}` : `<${said.from}> ${said.text}`)),
            );
            return merge(own, others);
          }),
        )
        .subscribe({ error: () => undefined });
      return EMPTY;
    }),
  );
}

if (require.main === module) {
  void (async () => {
    const pki = await createTestPki('chat CA');
    writeFileSync('chat-ca.pem', pki.ca.cert);
    for (const member of ['alice', 'bob']) {
      const client = await pki.client({ names: [member] });
      writeFileSync(`chat-${member}.pem`, client.cert);
      writeFileSync(`chat-${member}.key`, client.key);
    }
    chatServer({ credentials: await pki.leaf(), ca: pki.ca.cert, port: 7001 }).subscribe((e) => {
      if (e.type === 'listening')
        console.log(
          `chat on ${e.host}:${e.port}: openssl s_client -connect 127.0.0.1:${e.port} -CAfile chat-ca.pem -cert chat-alice.pem -key chat-alice.key`,
        );
    });
  })();
}
