package io.seglog.testing;

import io.seglog.Record;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * What a test expects at one index: the record as appended. Compared field by field, payload byte
 * by byte, against what the log returns.
 */
public record ExpectedRecord(long index, long timestamp, int type, byte[] payload) {

  public ExpectedRecord {
    payload = payload.clone();
  }

  /** Whether {@code r} is exactly this record. */
  public boolean matches(Record r) {
    return r.index() == index
        && r.timestamp() == timestamp
        && r.type() == type
        && Arrays.equals(r.payloadBytes(), payload);
  }

  /** A description of how {@code r} differs from this record, or null when it matches. */
  public String difference(Record r) {
    if (matches(r)) {
      return null;
    }
    return "expected " + this + " but read " + describe(r);
  }

  public static String describe(Record r) {
    return "Record{index="
        + r.index()
        + ", timestamp="
        + r.timestamp()
        + ", type="
        + r.type()
        + ", payload("
        + r.size()
        + ")="
        + abbreviate(r.payloadBytes())
        + "}";
  }

  private static String abbreviate(byte[] b) {
    String hex = HexFormat.of().formatHex(b, 0, Math.min(b.length, 16));
    return b.length > 16 ? hex + "..." : hex;
  }

  @Override
  public String toString() {
    return "ExpectedRecord{index="
        + index
        + ", timestamp="
        + timestamp
        + ", type="
        + type
        + ", payload("
        + payload.length
        + ")="
        + abbreviate(payload)
        + "}";
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ExpectedRecord e
        && e.index == index
        && e.timestamp == timestamp
        && e.type == type
        && Arrays.equals(e.payload, payload);
  }

  @Override
  public int hashCode() {
    return Long.hashCode(index) * 31 + Arrays.hashCode(payload);
  }
}
