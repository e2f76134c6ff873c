package io.seglog.bench.scenario;

import io.seglog.Log;
import io.seglog.RecoveryReport;
import java.nio.file.Paths;

/**
 * Child JVM of {@link RecoveryTime}: times {@code Log.open} (recovery included) and {@code close}
 * of an existing log in a fresh JVM, and prints the recovery report as {@code key=value} pairs.
 *
 * <p>With {@code warmDir} (a tiny log), that log is opened and closed first, untimed apart from
 * {@code warm_open_ms}: the classes the open needs are then loaded, so {@code open_ms} is closer to
 * the recovery work itself than to JVM start-up.
 *
 * <p>Usage: {@code OpenProbe <dir> [warmDir]}
 */
public final class OpenProbe {
  private OpenProbe() {}

  public static void main(String[] args) {
    double warmMs = 0;
    if (args.length > 1) {
      long w0 = System.nanoTime();
      Log.open(Paths.get(args[1]), RecoveryTime.config()).close();
      warmMs = (System.nanoTime() - w0) / 1e6;
    }
    long t0 = System.nanoTime();
    Log log = Log.open(Paths.get(args[0]), RecoveryTime.config());
    long t1 = System.nanoTime();
    RecoveryReport r = log.recoveryReport();
    long records = log.stats().recordCount();
    long bytes = log.stats().totalBytes();
    int segments = log.stats().segmentCount();
    log.close();
    long t2 = System.nanoTime();
    System.out.printf(
        "warm_open_ms=%.1f open_ms=%.1f close_ms=%.1f segmentsScanned=%d bytesScanned=%d bytesCut=%d"
            + " indexFilesRebuilt=%d records=%d logBytes=%d segments=%d%n",
        warmMs,
        (t1 - t0) / 1e6,
        (t2 - t1) / 1e6,
        r.segmentsScanned(),
        r.bytesScanned(),
        r.bytesCut(),
        r.indexFilesRebuilt().size(),
        records,
        bytes,
        segments);
  }
}
