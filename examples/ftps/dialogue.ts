/**
 * The FTPS control conversation (RFC 959 + RFC 4217) as a pure state machine. Each reply moves
 * the state and the state says what to send: `AUTH TLS`, the upgrade, `USER`/`PASS`, `PBSZ 0`,
 * `PROT P`, `TYPE I`, then for each task a data connection (`EPSV`/`PASV` or `EPRT`/`PORT`) and
 * its command, and `QUIT`. A reply is matched with the command it answers — one command is in
 * flight at a time — and a transfer is done only when both its data connection finished and the
 * control connection said `226`. Data connections are effects: the dialogue asks `openData` for
 * one and reads what it reports, so a marble test can fake them.
 */
import { Subject, Subscription, concatMap, defer, finalize, merge, scan, takeWhile, tap, type Observable } from 'rxjs';
import { line, startTls, type Dialogue, type Outbound, type StartTlsEvent, type TlsEvent } from '../../lib';
import { eprtCommand, ftpReplies, parseEpsv, parsePasv, portCommand, type ControlInput, type FtpReply } from './replies';

/** What to do on the server. */
export type FtpTask =
  | { readonly kind: 'list'; readonly path?: string }
  | { readonly kind: 'get'; readonly remote: string; readonly local: string }
  | { readonly kind: 'put'; readonly local: string; readonly remote: string };

/** A data connection the dialogue needs. Passive: connect to `host:port`. Active: listen, then accept. */
export interface DataRequest {
  readonly id: number;
  readonly task: FtpTask;
  /** The command it carries the data of: `LIST`, `RETR name`, `STOR name`. */
  readonly command: string;
  readonly mode: 'passive' | 'active';
  /** Passive: the control connection's host, whatever the PASV reply named. */
  readonly host: string;
  /** Passive: the port the server's reply named. */
  readonly port?: number;
  /** Active: the address the server's connection must come from (the control connection's peer). */
  readonly serverAddress: string;
  /** The control connection's latest TLS session ticket, for the data connection to resume. */
  readonly ticket: Buffer | undefined;
}

/** How a transfer's data connection went. */
export interface TransferOutcome {
  readonly bytes: number;
  readonly sha256: string;
  /** Whether the data connection resumed the control connection's TLS session. */
  readonly resumed: boolean;
  /** `LIST`: the listing itself. */
  readonly body?: Buffer;
}

/** What a data connection reports to the dialogue. */
export type DataNote =
  | { readonly kind: 'listening'; readonly host: string; readonly port: number }
  | { readonly kind: 'done'; readonly outcome: TransferOutcome }
  | { readonly kind: 'failed'; readonly error: Error };

/** Opens a data connection for a request and reports on it. */
export type OpenData = (request: DataRequest) => Observable<DataNote>;

/** A finished task. */
export interface TaskResult extends TransferOutcome {
  readonly task: FtpTask;
  readonly command: string;
  /** The control connection's final reply, e.g. `226 Transfer complete.` */
  readonly reply: FtpReply;
}

/** Why the session failed: `connection` says which connection, `code` the reply code or condition. */
export class FtpError extends Error {
  override readonly name = 'FtpError';
  constructor(
    readonly connection: 'control' | 'data',
    /** An FTP reply code (`530`, `522`, …), or `CLOSED`, `SYNTAX`, `DATA`. */
    readonly code: number | 'CLOSED' | 'SYNTAX' | 'DATA',
    message: string,
  ) {
    super(message);
  }
}

export interface FtpSessionOptions {
  readonly user: string;
  readonly password: string;
  /** `'passive'` (the client connects: `EPSV`/`PASV`) or `'active'` (the server connects: `EPRT`/`PORT`). */
  readonly mode: 'passive' | 'active';
  /** `EPSV`/`EPRT` (RFC 2428, default) or the older `PASV`/`PORT`. */
  readonly extended: boolean;
  /** The control connection's host: passive data connections go there. */
  readonly host: string;
  readonly tasks: readonly FtpTask[];
}

/** Watches the conversation. Commands come with `PASS` redacted. */
export interface FtpObserver {
  command?(text: string): void;
  reply?(reply: FtpReply): void;
  notice?(text: string): void;
  result?(result: TaskResult): void;
  failure?(error: FtpError): void;
}

type Waiting =
  | 'greeting'
  | 'AUTH'
  | 'TLS'
  | 'USER'
  | 'PASS'
  | 'PBSZ'
  | 'PROT'
  | 'TYPE'
  | 'EPSV'
  | 'PASV'
  | 'listening'
  | 'EPRT'
  | 'PORT'
  | 'transfer'
  | 'QUIT'
  | 'done';

interface Transfer {
  readonly id: number;
  readonly task: FtpTask;
  readonly command: string;
  readonly outcome?: TransferOutcome;
  readonly reply?: FtpReply;
}

type Effect = { readonly open: DataRequest } | { readonly cancel: number };
type Note =
  | { readonly kind: 'command'; readonly text: string }
  | { readonly kind: 'notice'; readonly text: string }
  | { readonly kind: 'result'; readonly result: TaskResult }
  | { readonly kind: 'failure'; readonly error: FtpError };

interface State {
  readonly waiting: Waiting;
  readonly tls: boolean;
  readonly connected?: Extract<TlsEvent, { type: 'connected' }>;
  readonly next: number;
  readonly transfer?: Transfer;
  readonly failed: boolean;
  readonly out: readonly Outbound[];
  readonly effects: readonly Effect[];
  readonly notes: readonly Note[];
}

/** What the dialogue reads: the control connection's replies and events, and its data connections' notes. */
export type DialogueInput = ControlInput | { readonly kind: 'data'; readonly id: number; readonly note: DataNote };

const INITIAL: State = { waiting: 'greeting', tls: false, next: 0, failed: false, out: [], effects: [], notes: [] };

/**
 * A dialogue for `converse` over `connectStartTls(…).pipe(lines())`: the whole session, one
 * command at a time; it completes — closing the connection gracefully — after `QUIT`'s reply.
 */
export function ftpsDialogue(
  options: FtpSessionOptions,
  openData: OpenData,
  observer: FtpObserver = {},
): Dialogue<StartTlsEvent | TlsEvent> {
  return (events$) =>
    defer(() => {
      const notes = new Subject<DialogueInput>();
      const running = new Map<number, Subscription>();
      const all = new Subscription();
      return merge(events$.pipe(ftpReplies()), notes).pipe(
        tap((input) => input.kind === 'reply' && observer.reply?.(input.reply)),
        scan((state: State, input: DialogueInput) => step(state, input, options), INITIAL),
        tap((state) => {
          for (const note of state.notes) {
            if (note.kind === 'command') observer.command?.(note.text);
            else if (note.kind === 'notice') observer.notice?.(note.text);
            else if (note.kind === 'result') observer.result?.(note.result);
            else observer.failure?.(note.error);
          }
          for (const effect of state.effects) {
            if ('cancel' in effect) running.get(effect.cancel)?.unsubscribe();
            else {
              const id = effect.open.id;
              const subscription = openData(effect.open).subscribe({
                next: (note) => notes.next({ kind: 'data', id, note }),
                error: (error: Error) => notes.next({ kind: 'data', id, note: { kind: 'failed', error } }),
              });
              running.set(id, subscription);
              all.add(subscription);
            }
          }
        }),
        takeWhile((state) => state.waiting !== 'done', true),
        concatMap((state) => state.out),
        finalize(() => all.unsubscribe()),
      );
    });
}

/** One step of the conversation: pure. */
export function step(state: State, input: DialogueInput, options: FtpSessionOptions): State {
  const quiet: State = { ...state, out: [], effects: [], notes: [] };
  if (state.waiting === 'done') return quiet;
  if (input.kind === 'closed') {
    if (state.waiting === 'QUIT') return { ...quiet, waiting: 'done' };
    return fail(quiet, new FtpError('control', 'CLOSED', `the server closed the control connection ${pendingOf(state)}`), false);
  }
  if (input.kind === 'connected') {
    if (state.waiting !== 'TLS') return quiet;
    return send({ ...quiet, tls: true, connected: input.event }, `USER ${options.user}`, 'USER');
  }
  if (input.kind === 'data') return dataStep(quiet, input.id, input.note, options);
  const reply = input.reply;
  const refused = (what: string) => fail(quiet, new FtpError('control', reply.code, `${what}: ${reply.code} ${reply.text}`));
  switch (state.waiting) {
    case 'greeting':
      return reply.code === 220 ? send(quiet, 'AUTH TLS', 'AUTH') : refused('the server refused the connection');
    case 'AUTH':
      return reply.code === 234 ? { ...quiet, waiting: 'TLS', out: [startTls()] } : refused('the server refused AUTH TLS');
    case 'USER':
      if (reply.code === 230) return send(quiet, 'PBSZ 0', 'PBSZ');
      return reply.code === 331 ? send(quiet, `PASS ${options.password}`, 'PASS') : refused('login failed');
    case 'PASS':
      return reply.code === 230 ? send(quiet, 'PBSZ 0', 'PBSZ') : refused('login failed');
    case 'PBSZ':
      return reply.code === 200 ? send(quiet, 'PROT P', 'PROT') : refused('PBSZ 0 failed');
    case 'PROT':
      return reply.code === 200
        ? send(quiet, 'TYPE I', 'TYPE')
        : refused('PROT P failed (the server would not protect the data connections)');
    case 'TYPE':
      return reply.code === 200 ? nextTask(quiet, options) : refused('TYPE I failed');
    case 'EPSV':
    case 'PASV':
      return passiveReply(quiet, reply, options);
    case 'EPRT':
    case 'PORT': {
      const transfer = state.transfer as Transfer;
      if (reply.code !== 200) return failTransfer(quiet, `the server refused ${state.waiting}`, reply);
      return send(quiet, transfer.command, 'transfer');
    }
    case 'transfer':
      return transferReply(quiet, reply, options);
    case 'QUIT':
      return reply.code === 221 ? { ...quiet, waiting: 'done' } : quiet;
    default:
      return fail(quiet, new FtpError('control', reply.code, `unexpected reply ${pendingOf(state)}: ${reply.code} ${reply.text}`));
  }
}

function commandOf(task: FtpTask): string {
  if (task.kind === 'list') return task.path === undefined ? 'LIST' : `LIST ${task.path}`;
  return task.kind === 'get' ? `RETR ${task.remote}` : `STOR ${task.remote}`;
}

function nextTask(state: State, options: FtpSessionOptions): State {
  const task = options.tasks[state.next];
  if (!task) return send({ ...state, transfer: undefined }, 'QUIT', 'QUIT');
  const transfer: Transfer = { id: state.next + 1, task, command: commandOf(task) };
  const moved: State = { ...state, next: state.next + 1, transfer };
  if (options.mode === 'passive') return send(moved, options.extended ? 'EPSV' : 'PASV', options.extended ? 'EPSV' : 'PASV');
  return { ...moved, waiting: 'listening', effects: [{ open: request(moved, transfer, options) }] };
}

function request(state: State, transfer: Transfer, options: FtpSessionOptions, port?: number): DataRequest {
  return {
    id: transfer.id,
    task: transfer.task,
    command: transfer.command,
    mode: options.mode,
    host: options.host,
    ...(port !== undefined && { port }),
    serverAddress: state.connected?.peer.remoteAddress ?? options.host,
    ticket: state.connected?.session.ticket(),
  };
}

function passiveReply(state: State, reply: FtpReply, options: FtpSessionOptions): State {
  const transfer = state.transfer as Transfer;
  const expected = state.waiting === 'EPSV' ? 229 : 227;
  if (reply.code !== expected) return failTransfer(state, `the server refused ${state.waiting}`, reply);
  let port: number;
  const notes: Note[] = [];
  try {
    if (state.waiting === 'EPSV') port = parseEpsv(reply);
    else {
      const named = parsePasv(reply);
      port = named.port;
      const peer = state.connected?.peer.remoteAddress;
      // FTP bounce and NAT: connect only where the control connection goes, whatever PASV says.
      if (named.host !== peer)
        notes.push({
          kind: 'notice',
          text: `PASV named ${named.host}, not the control connection's peer ${peer}: connecting to ${options.host}`,
        });
    }
  } catch (error) {
    return fail(state, new FtpError('control', 'SYNTAX', (error as Error).message));
  }
  const sent = send(state, transfer.command, 'transfer');
  return { ...sent, notes: [...notes, ...sent.notes], effects: [{ open: request(state, transfer, options, port) }] };
}

function transferReply(state: State, reply: FtpReply, options: FtpSessionOptions): State {
  const transfer = state.transfer as Transfer;
  if (reply.code >= 100 && reply.code < 200) return state; // 150/125: the data connection is opening
  if (reply.code === 226 || reply.code === 250) return finishIfDone({ ...state, transfer: { ...transfer, reply } }, options);
  return failTransfer(state, 'the server refused it', reply);
}

function dataStep(state: State, id: number, note: DataNote, options: FtpSessionOptions): State {
  const transfer = state.transfer;
  if (!transfer || transfer.id !== id || state.failed) return state;
  if (note.kind === 'failed') {
    return fail(state, new FtpError('data', 'DATA', `data connection for ${transfer.command}: ${note.error.message}`));
  }
  if (note.kind === 'listening') {
    const command = options.extended ? eprtCommand(note.host, note.port) : portCommand(note.host, note.port);
    return send(state, command, options.extended ? 'EPRT' : 'PORT');
  }
  return finishIfDone({ ...state, transfer: { ...transfer, outcome: note.outcome } }, options);
}

function finishIfDone(state: State, options: FtpSessionOptions): State {
  const { transfer } = state;
  if (!transfer?.outcome || !transfer.reply) return state;
  const result: TaskResult = { task: transfer.task, command: transfer.command, reply: transfer.reply, ...transfer.outcome };
  const next = nextTask(state, options);
  return { ...next, notes: [{ kind: 'result', result }, ...next.notes] };
}

/** A refusal that concerns the transfer: a data connection refusal names the data connection. */
function failTransfer(state: State, what: string, reply: FtpReply): State {
  const transfer = state.transfer as Transfer;
  const aboutData = [425, 426, 522].includes(reply.code);
  const unresumed =
    aboutData && transfer.outcome && !transfer.outcome.resumed
      ? " (the data connection did not resume the control connection's TLS session, which this server requires)"
      : '';
  const message = aboutData
    ? `data connection for ${transfer.command}: ${what}: ${reply.code} ${reply.text}${unresumed}`
    : `${transfer.command} failed: ${reply.code} ${reply.text}`;
  return fail(state, new FtpError(aboutData ? 'data' : 'control', reply.code, message));
}

/** Records the failure, stops any data connection, and says QUIT if the session is still usable. */
function fail(state: State, error: FtpError, canQuit = true): State {
  const effects: Effect[] = state.transfer ? [{ cancel: state.transfer.id }] : [];
  const failed: State = { ...state, failed: true, effects, notes: [...state.notes, { kind: 'failure', error }] };
  if (state.failed) return { ...state, waiting: 'done' };
  if (canQuit && state.tls && state.waiting !== 'QUIT') return send(failed, 'QUIT', 'QUIT');
  return { ...failed, waiting: 'done' };
}

function send(state: State, command: string, waiting: Waiting): State {
  const text = command.startsWith('PASS ') ? 'PASS ***' : command;
  return { ...state, waiting, out: [...state.out, line(command)], notes: [...state.notes, { kind: 'command', text }] };
}

function pendingOf(state: State): string {
  if (state.waiting === 'greeting') return 'before its greeting';
  if (state.transfer && ['transfer', 'EPSV', 'PASV', 'EPRT', 'PORT', 'listening'].includes(state.waiting))
    return `during ${state.transfer.command}`;
  return `while waiting for the reply to ${state.waiting}`;
}
