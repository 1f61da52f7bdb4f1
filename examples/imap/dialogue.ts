/**
 * The IMAP conversation as a pure state machine: each response moves the state, and the state
 * says what to send. Tagged commands (`a1`, `a2`, …) are matched with their tagged completion;
 * the untagged responses in between are collected for that command. What to send next is
 * asked of a `NextCommand` function, given every completion so far.
 */
import { concatMap, scan, takeWhile, tap } from 'rxjs';
import { match } from 'ts-pattern';
import { line, type Dialogue, type Outbound } from '../../lib';
import { imapResponses, type ImapResponse, type ImapStatus } from './responses';

export type UntaggedResponse = Extract<ImapResponse, { kind: 'untagged' }>;

/** A command and how it ended. */
export interface Completion {
  readonly tag: string;
  /** The command, with a LOGIN password replaced by `***`. */
  readonly command: string;
  readonly status: ImapStatus;
  readonly text: string;
  readonly untagged: readonly UntaggedResponse[];
}

/** What the conversation learned before the first command. */
export interface Greeting {
  readonly status: 'OK' | 'PREAUTH' | 'BYE';
  readonly text: string;
}

/** The next command to send, given the greeting and every completion so far; `undefined` to finish. */
export type NextCommand = (greeting: Greeting, done: readonly Completion[]) => string | undefined;

/** Why the conversation could not go on. */
export class ImapError extends Error {
  override readonly name = 'ImapError';
  constructor(
    /** `NO`, `BAD`, `BYE` (the server refused or hung up), `CLOSED` (mid-command), `AUTHENTICATIONFAILED`, … */
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

interface State {
  readonly greeting?: Greeting;
  readonly sent: number;
  readonly current?: { readonly tag: string; readonly command: string; readonly untagged: readonly UntaggedResponse[] };
  readonly done: readonly Completion[];
  readonly finished: boolean;
  /** What this step sends. */
  readonly out: readonly Outbound[];
  /** What this step tells the observer. */
  readonly notes: readonly Note[];
}

type Note =
  { kind: 'greeting'; greeting: Greeting } | { kind: 'completion'; completion: Completion } | { kind: 'failure'; error: ImapError };

const INITIAL: State = { sent: 0, done: [], finished: false, out: [], notes: [] };

/** Watches the conversation: every completion, and how it ended. */
export interface ImapObserver {
  greeting?(greeting: Greeting): void;
  completion?(completion: Completion): void;
  failure?(error: ImapError): void;
}

/**
 * A dialogue for `converse`: reads IMAP responses, sends what `next` says, one command at a
 * time, and completes — which closes the connection gracefully — when `next` has nothing more.
 */
export function imapDialogue(next: NextCommand, observer: ImapObserver = {}): Dialogue {
  return (events$) =>
    events$.pipe(
      imapResponses(),
      scan((state: State, response: ImapResponse) => step(state, response, next), INITIAL),
      tap((state) =>
        state.notes.forEach((note) =>
          match(note)
            .with({ kind: 'greeting' }, ({ greeting }) => observer.greeting?.(greeting))
            .with({ kind: 'completion' }, ({ completion }) => observer.completion?.(completion))
            .with({ kind: 'failure' }, ({ error }) => observer.failure?.(error))
            .exhaustive(),
        ),
      ),
      takeWhile((state) => !state.finished, true),
      concatMap((state) => state.out),
    );
}

function step(state: State, response: ImapResponse, next: NextCommand): State {
  const quiet: State = { ...state, out: [], notes: [] };
  const fail = (error: ImapError): State => ({ ...quiet, finished: true, notes: [{ kind: 'failure', error }] });
  return match(response)
    .with({ kind: 'closed' }, (): State => {
      if (state.finished) return quiet;
      const pending = state.current ? `while ${state.current.tag} ${state.current.command} was pending` : 'before the greeting';
      return fail(new ImapError('CLOSED', `the server closed the connection ${pending}`));
    })
    .with({ kind: 'untagged' }, (untagged): State => {
      if (!state.greeting) {
        const status = /^(OK|PREAUTH|BYE)\b ?(.*)$/i.exec(untagged.text);
        const greeting: Greeting = {
          status: (status?.[1]?.toUpperCase() ?? 'BYE') as Greeting['status'],
          text: status?.[2] ?? untagged.text,
        };
        if (greeting.status === 'BYE') return fail(new ImapError('BYE', `the server refused the connection: ${greeting.text}`));
        return send({ ...quiet, greeting, notes: [{ kind: 'greeting', greeting }] }, next);
      }
      if (!state.current) return quiet; // unsolicited: a server may speak between commands
      return { ...quiet, current: { ...state.current, untagged: [...state.current.untagged, untagged] } };
    })
    .with({ kind: 'tagged' }, (tagged): State => {
      if (!state.current || tagged.tag !== state.current.tag) {
        return fail(new ImapError('BAD', `unexpected tagged response ${tagged.tag} ${tagged.status} ${tagged.text}`));
      }
      const completion: Completion = { ...state.current, status: tagged.status, text: tagged.text };
      return send({ ...quiet, current: undefined, done: [...state.done, completion], notes: [{ kind: 'completion', completion }] }, next);
    })
    .with({ kind: 'continuation' }, (): State =>
      fail(new ImapError('BAD', 'unexpected continuation request (this client sends no literals)')),
    )
    .exhaustive();
}

function send(state: State, next: NextCommand): State {
  const command = next(state.greeting as Greeting, state.done);
  if (command === undefined) return { ...state, finished: true };
  const tag = `a${state.sent + 1}`;
  return { ...state, sent: state.sent + 1, current: { tag, command: redact(command), untagged: [] }, out: [line(`${tag} ${command}`)] };
}

/** Never keep a password where it could be printed. */
function redact(command: string): string {
  return /^LOGIN\s/i.test(command) ? command.replace(/^(LOGIN\s+("(?:[^"\\]|\\.)*"|\S+))\s+.*$/i, '$1 ***') : command;
}

/** An IMAP quoted string (RFC 3501 §4.3). */
export function quoted(value: string): string {
  if (/[\r\n\0]/.test(value)) throw new ImapError('BAD', 'a quoted string cannot hold CR, LF or NUL');
  return `"${value.replace(/(["\\])/g, '\\$1')}"`;
}
