package io.seglog.cli;

import java.util.Locale;

/** Human-readable sizes, durations and rates for reports. Thread-safe (stateless). */
final class Units {
  private Units() {}

  /** {@code 1536} → {@code "1.5 KiB"}. */
  static String bytes(long bytes) {
    if (bytes < 1024) {
      return bytes + " B";
    }
    String[] units = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    double value = bytes;
    int unit = -1;
    while (value >= 1024 && unit < units.length - 1) {
      value /= 1024;
      unit++;
    }
    return String.format(Locale.ROOT, "%.1f %s", value, units[unit]);
  }

  /** Nanoseconds as seconds with millisecond precision: {@code "1.234 s"}. */
  static String seconds(long nanos) {
    return String.format(Locale.ROOT, "%.3f s", nanos / 1e9);
  }

  /** {@code count} per second over {@code nanos}, rounded: {@code "125000"}. */
  static String perSecond(long count, long nanos) {
    if (nanos <= 0) {
      return "n/a";
    }
    return String.format(Locale.ROOT, "%.0f", count * 1e9 / nanos);
  }

  /** Bytes per second over {@code nanos} in MB/s (10^6 bytes): {@code "93.4 MB/s"}. */
  static String megabytesPerSecond(long bytes, long nanos) {
    if (nanos <= 0) {
      return "n/a";
    }
    return String.format(Locale.ROOT, "%.1f MB/s", bytes * 1e3 / nanos);
  }
}
