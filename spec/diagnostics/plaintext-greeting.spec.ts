import { offersStartTls, protocolOfGreeting, shortened } from '../../lib/diagnostics/plaintext-greeting';

describe('plaintext greetings', () => {
  it.each([
    ['* OK [CAPABILITY IMAP4rev1 STARTTLS] Dovecot ready.', 'imap'],
    ['* PREAUTH ready', 'imap'],
    ['+OK POP3 ready', 'pop3'],
    ['220 mx.example.test ESMTP Postfix', 'smtp'],
    ['220-mail.example.test SMTP ready', 'smtp'],
    ['220 (vsFTPd 3.0.3)', 'ftp'],
    ['HTTP/1.1 400 Bad Request', 'http'],
    ['HTTP/2 200', 'http'],
    ['SSH-2.0-OpenSSH_9.2', undefined],
    ['', undefined],
  ])('%j is %s', (line, protocol) => expect(protocolOfGreeting(line)).toBe(protocol));

  it.each([
    ['imap', '* OK ready\r\n* CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED\r\nd1 OK\r\n', true],
    ['imap', '* OK ready\r\n* CAPABILITY IMAP4rev1\r\nd1 OK\r\n', false],
    ['smtp', '220 mx ESMTP\r\n250-mx\r\n250-STARTTLS\r\n250 8BITMIME\r\n', true],
    ['smtp', '220 mx ESMTP\r\n250-mx\r\n250 8BITMIME\r\n', false],
    ['pop3', '+OK\r\n+OK Capability list follows\r\nUSER\r\nSTLS\r\n.\r\n', true],
    ['ftp', '220 ready\r\n211-Features:\r\n AUTH TLS\r\n PBSZ\r\n211 End\r\n', true],
    ['ftp', '220 ready\r\n211-Features:\r\n MDTM\r\n211 End\r\n', false],
    ['http', 'HTTP/1.1 200 OK\r\nUpgrade: TLS/1.2\r\n', false],
  ] as const)('%s offers STARTTLS in %j: %s', (protocol, text, offered) => expect(offersStartTls(protocol, text)).toBe(offered));

  it('shortens what it shows to 80 printable characters', () => {
    expect(shortened('a\u0000b\u001bc')).toBe('a?b?c');
    expect(shortened('x'.repeat(100))).toBe(`${'x'.repeat(77)}...`);
  });
});
