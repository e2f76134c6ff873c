package io.seglog.bench.scenario;

import io.seglog.Log;
import io.seglog.LogConfig;
import io.seglog.SyncPolicy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * One writer appending records of one size under {@code SyncPolicy.NONE}, in one log, for profiling
 * the append path (run it with {@code -XX:StartFlightRecording}): {@code AppendLoop bytes=100
 * records=3000000 buffer=1048576 runs=3 segment=67108864}, where {@code buffer} is {@link
 * LogConfig#writeBufferBytes()} and {@code segment} {@link LogConfig#segmentBytes()} (each sealed
 * segment is fsynced on the append path, so a larger one shows what the seal fsyncs cost). Prints
 * the rate of each run. The log is written under {@code -Dseglog.scenario.dir} and deleted
 * afterwards.
 */
public final class AppendLoop {
  private AppendLoop() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> opt = Scenarios.parse(String.join(" ", args));
    int bytes = Integer.parseInt(opt.getOrDefault("bytes", "100"));
    int records = Integer.parseInt(opt.getOrDefault("records", "3000000"));
    int buffer = Integer.parseInt(opt.getOrDefault("buffer", "1048576"));
    int runs = Integer.parseInt(opt.getOrDefault("runs", "3"));
    long segment =
        Long.parseLong(
            opt.getOrDefault("segment", Long.toString(LogConfig.defaults().segmentBytes())));
    Path dir = Files.createTempDirectory(Scenarios.root(), "append-loop");
    byte[] payload = new byte[bytes];
    System.out.printf(
        "# AppendLoop bytes=%d records=%d buffer=%d runs=%d segment=%d dir=%s%n",
        bytes, records, buffer, runs, segment, dir);
    LogConfig config =
        LogConfig.builder()
            .syncPolicy(SyncPolicy.NONE)
            .writeBufferBytes(buffer)
            .segmentBytes(segment)
            .build();
    try (Log log = Log.open(dir, config)) {
      for (int run = 1; run <= runs; run++) {
        long start = System.nanoTime();
        for (int i = 0; i < records; i++) {
          log.append(payload);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf(
            Locale.ROOT,
            "run=%d appends/s=%.0f load=\"%s\"%n",
            run,
            records / seconds,
            Scenarios.loadAverage());
      }
    } finally {
      Scenarios.deleteRecursively(dir);
    }
  }
}
