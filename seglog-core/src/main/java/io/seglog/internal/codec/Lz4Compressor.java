package io.seglog.internal.codec;

import net.jpountz.lz4.LZ4Compressor;
import net.jpountz.lz4.LZ4Exception;
import net.jpountz.lz4.LZ4Factory;
import net.jpountz.lz4.LZ4SafeDecompressor;

/**
 * LZ4 block format through lz4-java. Decompression uses the bounds-checked pure-Java decoder, so a
 * crafted frame (one whose checksum was forged) cannot make it read or write out of bounds. Loaded
 * only by {@link Compressors}, by name.
 */
final class Lz4Compressor implements Compressor {
  private final LZ4Compressor compressor = LZ4Factory.fastestInstance().fastCompressor();
  private final LZ4SafeDecompressor decompressor = LZ4Factory.safeInstance().safeDecompressor();

  @Override
  public int maxCompressedLength(int length) {
    return compressor.maxCompressedLength(length);
  }

  @Override
  public int compress(byte[] src, int srcOff, int length, byte[] dst, int dstOff) {
    return compressor.compress(src, srcOff, length, dst, dstOff, dst.length - dstOff);
  }

  @Override
  public void decompress(
      byte[] src, int srcOff, int length, byte[] dst, int dstOff, int rawLength) {
    int n;
    try {
      n = decompressor.decompress(src, srcOff, length, dst, dstOff, rawLength);
    } catch (LZ4Exception e) {
      throw new IllegalArgumentException("lz4 data does not decompress: " + e.getMessage(), e);
    }
    if (n != rawLength) {
      throw new IllegalArgumentException(
          "lz4 data decompresses to " + n + " bytes, expected " + rawLength);
    }
  }
}
