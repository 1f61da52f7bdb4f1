/** What the key-log specs check lines against. */

/** One NSS key-log line: a label, the 64-hex client random, the hex secret. */
export const KEYLOG_LINE = /^([A-Z_0-9]+) ([0-9a-f]{64}) ([0-9a-f]{64,})$/;

/** The labels of a TLS 1.3 connection's lines, sorted. */
export const TLS13_LABELS = [
  'CLIENT_HANDSHAKE_TRAFFIC_SECRET',
  'CLIENT_TRAFFIC_SECRET_0',
  'EXPORTER_SECRET',
  'SERVER_HANDSHAKE_TRAFFIC_SECRET',
  'SERVER_TRAFFIC_SECRET_0',
];
