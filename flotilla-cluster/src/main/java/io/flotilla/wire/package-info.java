/**
 * The node-to-node protocol: one {@link io.flotilla.wire.Message} record per command, encoded by
 * {@link io.flotilla.wire.WireCodec} into {@link io.flotilla.wire.Frame}s
 * ({@code u32 length | u8 type | u32 CRC32C | payload}, little-endian).
 *
 * <p>Rules, after ggml-rpc: HELLO is type 0 and its layout (magic "FLOT", u16 version, node id,
 * cluster name) never changes, so that any two builds can tell which version the other speaks;
 * every other layout belongs to {@link io.flotilla.wire.WireProtocol#VERSION}. Changing one means
 * bumping the version and the golden hash in {@code WireCodecTest}. Type ids are never reused.
 */
package io.flotilla.wire;
