/**
 * Where one MQTT packet ends: a type-and-flags byte, then the remaining length as a varint
 * (§2.2.3), then that many bytes. That is `lengthField` with the length one byte in, as a
 * varint, and the header kept — `decodePacket` reads the type from it.
 */
import { lengthField, type FrameCodec } from '../../lib';

/**
 * The largest packet this client accepts: 1 MiB, a payload of a little less. A broker may
 * send up to 256 MiB (the varint's limit); a client that does not bound it lets any peer make
 * it hold that much. Raise it for larger messages.
 */
export const DEFAULT_MAX_PACKET_LENGTH = 1024 * 1024;

/** The framing of MQTT packets, for `frames(mqttPackets())`: each frame one whole packet, fixed header included. */
export function mqttPackets(maxPacketLength = DEFAULT_MAX_PACKET_LENGTH): FrameCodec {
  return lengthField({ lengthOffset: 1, lengthSize: 'varint', maxVarintBytes: 4, header: 'keep', maxFrameLength: maxPacketLength });
}
