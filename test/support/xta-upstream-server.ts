/**
 * A test XTA 2 Version 3 server with one message box per account — an intermediary as a Rechenzentrum runs it —
 * written for the tests from XTA.wsdl and OSCI2_02.xsd: SOAP 1.2 over HTTPS with mutual TLS (the client
 * certificate decides the account), MsgBoxPort getStatusList / getMessage (inline base64 or MTOM/XOP) / close,
 * ManagementPort checkAccountActive. It shares no code with the hub's XTA server or client: the XML is written
 * and read by hand here, the content encrypted by the independent test sender (xta-sender.ts).
 */
import { createHash, randomUUID, X509Certificate } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { ACTIONS, contentContainer, encryptFor, messageId as newMessageId, messageMetaData, NS, textOf, textsOf, type Part } from './xta-sender.js';

const OSCI_REASON = 'http://www.osci.eu/ws/2008/05/transport/MsgBox/reasons/';
const FEHLERNUMMER = 'urn:de:xta:webservice:codeliste:fehlernummer';

/** One message in a box, with what happened to it on the wire. */
export interface BoxEntry {
  readonly messageId: string;
  readonly reader: string;
  readonly metaXml: string;
  readonly cipherValue: Buffer;
  readonly encryptedData: (cipherValueXml: string) => string;
  readonly mtom: boolean;
  /** getMessage answers with a CipherValue that is no base64 (content that breaks the profile). */
  readonly broken: boolean;
  /** getMessage answers with fault 9030 (the intermediary's own trouble) while set. */
  failFetch: boolean;
  /** getMessage answers given for it. */
  fetches: number;
  /** Effective closes (a held or refused close does not count). */
  closes: number;
  /** getStatusList keeps listing it after it was closed (an intermediary whose close does not take the entry out of its lists). */
  keepListed: boolean;
  /** close is answered as done but not applied while set (an intermediary that lost or ignores the close). */
  ignoreClose: boolean;
  /** Closes answered as done but not applied (ignoreClose). */
  ignoredCloses: number;
}

export interface PutOptions {
  readonly reader: string;
  readonly author: string;
  readonly message: Part;
  readonly attachments?: readonly Part[];
  /** The certificate the content is encrypted for (the reader's, or a foreign one). */
  readonly certificatePem: string;
  readonly mtom: boolean;
  readonly tamperTag?: boolean;
  readonly broken?: boolean;
  readonly failFetch?: boolean;
  readonly service?: string;
}

export interface XtaUpstreamServerOptions {
  readonly key: Buffer;
  readonly cert: Buffer;
  /** CA that signs the accounts' client certificates. */
  readonly ca: Buffer;
  /** Account per client certificate: the PEM → the identity whose box it may read. */
  readonly accounts: ReadonlyArray<{ readonly certificatePem: Buffer; readonly identity: string }>;
  /** Instead of client certificates: bearer tokens → identity (server TLS only, as in test setups). */
  readonly tokens?: ReadonlyMap<string, string>;
}

const sha256 = (der: Buffer): string => createHash('sha256').update(der).digest('hex');
const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function envelope(action: string, relatesTo: string | undefined, headers: string, body: string): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?><env:Envelope xmlns:env="${NS.soap12}" xmlns:wsa="${NS.wsa}" xmlns:osci="${NS.osci}" xmlns:xta="${NS.xta}">` +
    `<env:Header><wsa:Action>${action}</wsa:Action><wsa:MessageID>urn:uuid:${randomUUID()}</wsa:MessageID>${relatesTo ? `<wsa:RelatesTo>${esc(relatesTo)}</wsa:RelatesTo>` : ''}${headers}</env:Header>` +
    `<env:Body>${body}</env:Body></env:Envelope>`
  );
}

class Fault extends Error {
  constructor(
    readonly exception: string,
    readonly code: string,
    readonly soapCode: 'Sender' | 'Receiver' = 'Sender',
  ) {
    super(`${exception} ${code}`);
  }
}

function faultXml(action: string, relatesTo: string | undefined, fault: Fault): string {
  return envelope(
    action,
    relatesTo,
    '',
    `<env:Fault><env:Code><env:Value>env:${fault.soapCode}</env:Value></env:Code><env:Reason><env:Text xml:lang="de">${fault.exception}</env:Text></env:Reason>` +
      `<env:Detail><xta:${fault.exception}><xta:errorCode listURI="${FEHLERNUMMER}" listVersionID="1.0"><code>${fault.code}</code></xta:errorCode></xta:${fault.exception}></env:Detail></env:Fault>`,
  );
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** The test intermediary. */
export class XtaUpstreamServer {
  private server: Server | undefined;
  private readonly accounts: Map<string, string>;
  readonly box = new Map<string, BoxEntry>();
  /** Every request: operation, path and (when authenticated) the account. */
  readonly calls: Array<{ action: string; path: string; identity?: string; listForm?: string }> = [];
  /** TLS connections refused (no or an unknown client certificate). */
  refusedConnections = 0;
  /** While set, close requests are received but never answered or applied (as if the client died before the answer). */
  holdClose = false;
  readonly heldCloses: ServerResponse[] = [];
  /** While set, getStatusList names every entry it lists twice (an intermediary repeating a MessageID in one answer). */
  listTwice = false;
  /** getStatusList answers this much later (a slow intermediary; a poll that holds the box's lock that long). */
  listDelayMs = 0;
  url = '';

  constructor(private readonly options: XtaUpstreamServerOptions) {
    this.accounts = new Map(options.accounts.map((a) => [sha256(new X509Certificate(a.certificatePem).raw), a.identity]));
  }

  async start(): Promise<this> {
    const mutual = this.options.tokens === undefined;
    const server = createServer({ key: this.options.key, cert: this.options.cert, ca: this.options.ca, requestCert: mutual, rejectUnauthorized: mutual }, (req, res) => {
      void this.handle(req, res);
    });
    server.on('tlsClientError', () => (this.refusedConnections += 1));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.server = server;
    this.url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return this;
  }

  get msgBoxUrl(): string {
    return `${this.url}/xta/v3/msgbox`;
  }

  get managementUrl(): string {
    return `${this.url}/xta/v3/management`;
  }

  async stop(): Promise<void> {
    this.releaseHeldCloses();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** Drops the held close requests unanswered (the entries stay open). */
  releaseHeldCloses(): void {
    for (const res of this.heldCloses.splice(0)) res.socket?.destroy();
  }

  /** Puts a message into the reader's box, encrypted as an OSCI sender would; returns its MessageID. */
  put(opts: PutOptions): BoxEntry {
    const id = newMessageId();
    const enc = encryptFor(contentContainer(opts.message, opts.attachments ?? []), opts.certificatePem, opts.tamperTag ? { tamperTag: true } : {});
    const entry: BoxEntry = {
      messageId: id,
      reader: opts.reader,
      metaXml: messageMetaData({ author: opts.author, reader: opts.reader, messageId: id, ...(opts.service ? { service: opts.service } : {}) }),
      cipherValue: enc.cipherValue,
      encryptedData: enc.encryptedData,
      mtom: opts.mtom,
      broken: opts.broken ?? false,
      failFetch: opts.failFetch ?? false,
      fetches: 0,
      closes: 0,
      keepListed: false,
      ignoreClose: false,
      ignoredCloses: 0,
    };
    this.box.set(id, entry);
    return entry;
  }

  /** Entries of a reader's box not closed yet. */
  open(reader: string): BoxEntry[] {
    return [...this.box.values()].filter((e) => e.reader === reader && e.closes === 0);
  }

  count(action: string): number {
    return this.calls.filter((c) => c.action === action).length;
  }

  private send(res: ServerResponse, status: number, contentType: string, body: Buffer | string): void {
    res.writeHead(status, { 'content-type': contentType });
    res.end(body);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = (await readBody(req)).toString('utf8');
    const action = textOf(body, 'Action') ?? '';
    const relatesTo = textOf(body, 'MessageID');
    const soap = (xml: string, status = 200): void => this.send(res, status, `application/soap+xml; charset=utf-8; action="${action}"`, xml);
    const path = req.url ?? '';
    const call: { action: string; path: string; identity?: string; listForm?: string } = { action, path };
    this.calls.push(call);
    try {
      if (req.method !== 'POST' || !(req.headers['content-type'] ?? '').startsWith('application/soap+xml')) throw new Fault('ParameterIsNotValidException', '9022');
      if (!body.includes(`"${NS.soap12}"`)) throw new Fault('ParameterIsNotValidException', '9022');
      const identity = this.identityOf(req);
      if (!identity) throw new Fault('PermissionDeniedException', '9012');
      call.identity = identity;
      // XTAHeader part AuthorIdentifier: an account reads only its own box
      const author = /<(?:\w+:)?Author\b[^>]*>\s*<(?:\w+:)?Identifier\b[^>]*>([^<]*)</.exec(body)?.[1]?.trim();
      if (author !== undefined && author !== identity) throw new Fault('PermissionDeniedException', '9014');
      const port = path.endsWith('/management') ? 'management' : path.endsWith('/msgbox') ? 'msgbox' : undefined;
      if (action === ACTIONS.checkAccountActive && port === 'management') return soap(envelope(action, relatesTo, '', ''));
      if (port !== 'msgbox') throw new Fault('ParameterIsNotValidException', '9021');
      if (action === ACTIONS.getStatusList) {
        const answer = this.statusList(identity, body, relatesTo, call);
        if (this.listDelayMs === 0) return soap(answer);
        return void setTimeout(() => soap(answer), this.listDelayMs);
      }
      if (action === ACTIONS.getMessage) return this.getMessage(identity, body, relatesTo, res);
      if (action === ACTIONS.close) {
        if (this.holdClose) {
          this.heldCloses.push(res);
          return;
        }
        return soap(this.close(identity, body, relatesTo));
      }
      throw new Fault('ParameterIsNotValidException', '9021');
    } catch (error) {
      const fault = error instanceof Fault ? error : new Fault('XTAWSTechnicalProblemException', '9030', 'Receiver');
      soap(faultXml(action, relatesTo, fault), fault.soapCode === 'Sender' ? 400 : 500);
    }
  }

  /** Mutual TLS: the handshake already refused strangers, the certificate names the account; else the bearer token does. */
  private identityOf(req: IncomingMessage): string | undefined {
    if (this.options.tokens) {
      const header = req.headers.authorization ?? '';
      return header.startsWith('Bearer ') ? this.options.tokens.get(header.slice(7)) : undefined;
    }
    const peer = (req.socket as TLSSocket).getPeerCertificate();
    return peer.raw ? this.accounts.get(sha256(peer.raw)) : undefined;
  }

  private statusList(identity: string, body: string, relatesTo: string | undefined, call: { listForm?: string }): string {
    const request = /<(?:\w+:)?MsgBoxStatusListRequest\b([^>]*)>?/.exec(body)?.[1] ?? '';
    const max = Number(/maxListItems="(\d+)"/.exec(request)?.[1] ?? '100');
    const listForm = /ListForm="([^"]*)"/.exec(request)?.[1];
    if (listForm) call.listForm = listForm;
    const open = [...this.box.values()].filter((e) => e.reader === identity && (e.closes === 0 || e.keepListed));
    const list = open.slice(0, max);
    const requestId = `urn:uuid:${randomUUID()}`;
    const header =
      `<osci:MsgBoxResponse MsgBoxRequestID="${requestId}">` +
      (list.length === 0 ? `<osci:NoMessageAvailable reason="${OSCI_REASON}NoMatch"/>` : `<osci:ItemsPending>${open.length - list.length}</osci:ItemsPending>`) +
      '</osci:MsgBoxResponse>';
    const listed = this.listTwice ? list.flatMap((e) => [e, e]) : list;
    return envelope(ACTIONS.getStatusList, relatesTo, header, `<osci:MsgStatusList>${listed.map((e) => e.metaXml).join('')}</osci:MsgStatusList>`);
  }

  private getMessage(identity: string, body: string, relatesTo: string | undefined, res: ServerResponse): void {
    const selector = /<(?:\w+:)?MsgSelector\b[^>]*>([\s\S]*?)<\/(?:\w+:)?MsgSelector>/.exec(body)?.[1] ?? '';
    const id = textsOf(selector, 'MessageID')[0];
    const entry = id ? this.box.get(id) : undefined;
    if (!entry || entry.reader !== identity || entry.closes > 0) throw new Fault('InvalidMessageIDException', '9070');
    if (entry.failFetch) throw new Fault('XTAWSTechnicalProblemException', '9030', 'Receiver');
    entry.fetches += 1;
    const pending = this.open(identity).length - 1;
    const header = `${entry.metaXml}<osci:MsgBoxResponse MsgBoxRequestID="urn:uuid:${randomUUID()}"><osci:ItemsPending>${pending}</osci:ItemsPending></osci:MsgBoxResponse>`;
    if (!entry.mtom) {
      const xml = envelope(ACTIONS.getMessage, relatesTo, header, `<xta:GenericContentContainer>${entry.encryptedData(entry.broken ? '!!this is not base64!!' : entry.cipherValue.toString('base64'))}</xta:GenericContentContainer>`);
      return this.send(res, 200, `application/soap+xml; charset=utf-8; action="${ACTIONS.getMessage}"`, xml);
    }
    // as a CXF server answers with MTOM enabled: the CipherValue as its own binary MIME part
    const boundary = `uuid:${randomUUID()}`;
    const cid = `${randomUUID()}-1@intermediary.test`;
    const xml = envelope(
      ACTIONS.getMessage,
      relatesTo,
      header,
      `<xta:GenericContentContainer>${entry.encryptedData(`<xop:Include xmlns:xop="${NS.xop}" href="cid:${encodeURIComponent(cid)}"/>`)}</xta:GenericContentContainer>`,
    );
    const multipart = Buffer.concat([
      Buffer.from(`--${boundary}\r\nContent-Type: application/xop+xml; charset=UTF-8; type="application/soap+xml"\r\nContent-Transfer-Encoding: binary\r\nContent-ID: <root.message@cxf.apache.org>\r\n\r\n`),
      Buffer.from(xml, 'utf8'),
      Buffer.from(`\r\n--${boundary}\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: binary\r\nContent-ID: <${cid}>\r\n\r\n`),
      entry.cipherValue,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    this.send(res, 200, `multipart/related; type="application/xop+xml"; boundary="${boundary}"; start="<root.message@cxf.apache.org>"; start-info="application/soap+xml"`, multipart);
  }

  private close(identity: string, body: string, relatesTo: string | undefined): string {
    if (!/<(?:\w+:)?MsgBoxCloseRequest\b[^>]*MsgBoxRequestID="[^"]+"/.test(body)) throw new Fault('ParameterIsNotValidException', '9020');
    const ids = textsOf(body, 'LastMsgReceived');
    if (ids.length === 0) throw new Fault('ParameterIsNotValidException', '9020');
    const entries = ids.map((id) => this.box.get(id));
    // an entry closed before is gone from the box: unknown, as for any other account's MessageID
    if (entries.some((e) => !e || e.reader !== identity || e.closes > 0)) throw new Fault('InvalidMessageIDException', '9070');
    for (const e of entries) if (e?.ignoreClose) e.ignoredCloses += 1;
    for (const e of entries) if (e && !e.ignoreClose) e.closes += 1;
    return envelope(ACTIONS.close, relatesTo, '', '');
  }
}
