package io.seglog.golden;

import io.seglog.Entry;
import io.seglog.LogConfig;
import io.seglog.Record;
import io.seglog.StateMachine;
import io.seglog.StateMachineLog;
import io.seglog.SyncPolicy;
import io.seglog.internal.checkpoint.CheckpointedLog;
import io.seglog.internal.io.NioFileIO;
import io.seglog.testing.ExpectedRecord;
import io.seglog.testing.TestClock;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

/**
 * The deterministic log of the golden files with checkpoint frames (segment format version 2, frame
 * type 3): a fixed log id and clock, 4096-byte segments and a 4224-byte frame body limit (4096-byte
 * batches of at most 8 records), so that a checkpoint padded to 10,000 bytes is written as three
 * chunk frames and is larger than a segment. It holds: a leading checkpoint in every segment (the
 * empty state in the first), an on-demand checkpoint in the middle of a segment, a three-chunk
 * checkpoint, and closed cleanly.
 *
 * <p>{@link #main} wrote src/test/resources/golden/v2-checkpoint once. Never regenerate those
 * files.
 */
public final class GoldenLogV2Checkpoints {
  private GoldenLogV2Checkpoints() {}

  public static final UUID LOG_ID = UUID.fromString("601de000-0000-4002-8000-00000000c002");
  public static final long CLOCK_START = 1_700_000_000_000L;

  /** After this record, a checkpoint on demand; after {@link #BIG_AT}, a padded one. */
  public static final int ON_DEMAND_AT = 20;

  public static final int BIG_AT = 45;
  public static final int RECORDS = 60;

  public static LogConfig config() {
    return LogConfig.builder()
        .syncPolicy(SyncPolicy.ALWAYS)
        .segmentBytes(4096)
        .maxRecordBytes(2048)
        .maxBatchBytes(4096)
        .maxBatchRecords(8)
        .clock(new TestClock(CLOCK_START))
        .build();
  }

  /** A sorted map of string commands; its checkpoint can carry a pad of known bytes. */
  public static final class MapState implements StateMachine {
    public final TreeMap<String, String> map = new TreeMap<>();
    public int pad;

    @Override
    public void apply(Record record) {
      applyTo(map, record.payloadBytes());
    }

    @Override
    public void checkpoint(OutputStream out) throws IOException {
      DataOutputStream d = new DataOutputStream(out);
      d.writeInt(map.size());
      for (Map.Entry<String, String> e : map.entrySet()) {
        d.writeUTF(e.getKey());
        d.writeUTF(e.getValue());
      }
      d.writeInt(pad);
      for (int i = 0; i < pad; i++) {
        d.write(i * 7);
      }
      d.flush();
    }

    @Override
    public void restore(InputStream in) throws IOException {
      DataInputStream d = new DataInputStream(in);
      map.clear();
      int n = d.readInt();
      for (int i = 0; i < n; i++) {
        map.put(d.readUTF(), d.readUTF());
      }
      int p = d.readInt();
      for (int i = 0; i < p; i++) {
        if (d.read() != ((i * 7) & 0xFF)) {
          throw new IOException("pad byte " + i + " differs");
        }
      }
      if (d.read() != -1) {
        throw new IOException("bytes after the checkpoint");
      }
    }
  }

  static void applyTo(Map<String, String> map, byte[] payload) {
    String[] p = new String(payload, StandardCharsets.UTF_8).split(" ", 3);
    if (p[0].equals("put")) {
      map.put(p[1], p[2]);
    } else {
      map.remove(p[1]);
    }
  }

  /** Record {@code i} (1-based) of the golden log. */
  static byte[] command(int i) {
    String cmd =
        i % 7 == 3 ? "del k" + (i % 5) : "put k" + (i % 5) + " value " + i + " " + "v".repeat(i);
    return cmd.getBytes(StandardCharsets.UTF_8);
  }

  static long timestamp(int i) {
    return 1_600_000_000_000L + i * 10L;
  }

  /** Every record of the golden log, in index order. */
  public static List<ExpectedRecord> records() {
    List<ExpectedRecord> out = new ArrayList<>();
    for (int i = 1; i <= RECORDS; i++) {
      out.add(new ExpectedRecord(i, timestamp(i), i % 3, command(i)));
    }
    return out;
  }

  /** The state after every record. */
  public static Map<String, String> finalState() {
    Map<String, String> m = new TreeMap<>();
    for (int i = 1; i <= RECORDS; i++) {
      applyTo(m, command(i));
    }
    return m;
  }

  /** Writes the golden log into {@code dir} (which must not hold a log). */
  public static void generate(Path dir) {
    TestClock clock = new TestClock(CLOCK_START);
    LogConfig config = config().toBuilder().clock(clock).build();
    MapState state = new MapState();
    try (StateMachineLog log =
        CheckpointedLog.open(dir, config, NioFileIO.INSTANCE, state, null, LOG_ID)) {
      for (int i = 1; i <= RECORDS; i++) {
        clock.advance(1000);
        long index = log.append(Entry.of(command(i), i % 3, timestamp(i)));
        if (index != i) {
          throw new IllegalStateException("appended at " + index + ", expected " + i);
        }
        if (i == ON_DEMAND_AT) {
          log.checkpoint();
        }
        if (i == BIG_AT) {
          state.pad = 10_000;
          log.checkpoint();
          state.pad = 0;
        }
      }
    }
  }

  /** Writes the golden files once: {@code GoldenLogV2Checkpoints <empty or absent directory>}. */
  public static void main(String[] args) throws IOException {
    Path dir = Path.of(args[0]);
    if (Files.exists(dir)) {
      try (var files = Files.list(dir)) {
        if (files.anyMatch(p -> !p.getFileName().toString().equals("README.md"))) {
          throw new IllegalStateException(dir + " already holds files: never regenerate");
        }
      }
    }
    Files.createDirectories(dir);
    generate(dir);
    Files.deleteIfExists(dir.resolve("seglog.lock"));
  }
}
