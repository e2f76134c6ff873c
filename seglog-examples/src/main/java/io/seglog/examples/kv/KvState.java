package io.seglog.examples.kv;

import io.seglog.Record;
import io.seglog.StateMachine;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The key-value store's state machine. A record is a command, {@code put KEY VALUE} or {@code del
 * KEY} in UTF-8; the state is a map. The log calls {@link #apply} for every record in order (at
 * replay and as records are written); readers call {@link #get} from any thread.
 *
 * <p>Checkpoint format: an int entry count, then per entry the key and the value, each an int
 * length and UTF-8 bytes. It is streamed entry by entry: the log cuts it into chunk frames.
 */
public final class KvState implements StateMachine {
  private final Map<String, String> map = new ConcurrentHashMap<>();

  /** The value of {@code key}, or null. */
  public String get(String key) {
    return map.get(key);
  }

  public int size() {
    return map.size();
  }

  /** The command record of {@code put KEY VALUE}. */
  public static byte[] put(String key, String value) {
    return ("put " + key + " " + value).getBytes(StandardCharsets.UTF_8);
  }

  /** The command record of {@code del KEY}. */
  public static byte[] del(String key) {
    return ("del " + key).getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public void apply(Record record) {
    String cmd = new String(record.payloadBytes(), StandardCharsets.UTF_8);
    String[] p = cmd.split(" ", 3);
    if (p[0].equals("put") && p.length == 3) {
      map.put(p[1], p[2]);
    } else if (p[0].equals("del") && p.length == 2) {
      map.remove(p[1]);
    } else {
      throw new IllegalArgumentException("record " + record.index() + " is not a command: " + cmd);
    }
  }

  @Override
  public void checkpoint(OutputStream out) throws IOException {
    DataOutputStream d = new DataOutputStream(out);
    Map<String, String> copy = Map.copyOf(map); // apply never runs during a checkpoint anyway
    d.writeInt(copy.size());
    for (Map.Entry<String, String> e : copy.entrySet()) {
      writeString(d, e.getKey());
      writeString(d, e.getValue());
    }
    d.flush();
  }

  @Override
  public void restore(InputStream in) throws IOException {
    DataInputStream d = new DataInputStream(in);
    map.clear();
    int n = d.readInt();
    for (int i = 0; i < n; i++) {
      map.put(readString(d), readString(d));
    }
  }

  private static void writeString(DataOutputStream d, String s) throws IOException {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    d.writeInt(b.length);
    d.write(b);
  }

  private static String readString(DataInputStream d) throws IOException {
    byte[] b = new byte[d.readInt()];
    d.readFully(b);
    return new String(b, StandardCharsets.UTF_8);
  }
}
