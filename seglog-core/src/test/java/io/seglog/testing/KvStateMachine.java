package io.seglog.testing;

import io.seglog.Record;
import io.seglog.StateMachine;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;

/**
 * A small key-value state machine for tests: {@code put KEY VALUE} and {@code del KEY} records
 * change the map, any other record only counts. Its checkpoint can carry {@code padBytes} of a
 * known pattern after the map, so a test can make checkpoints far larger than a chunk or a segment
 * (restore checks every pad byte).
 */
public final class KvStateMachine implements StateMachine {
  private final int padBytes;
  private final TreeMap<String, String> map = new TreeMap<>();
  private long lastApplied = -1;
  private long applied;
  private int restores;

  public KvStateMachine() {
    this(0);
  }

  public KvStateMachine(int padBytes) {
    this.padBytes = padBytes;
  }

  /** Applies a command to a plain map: the model the tests compare with. */
  public static void applyTo(Map<String, String> map, byte[] payload) {
    String s = new String(payload, StandardCharsets.UTF_8);
    String[] p = s.split(" ", 3);
    if (p.length == 3 && p[0].equals("put")) {
      map.put(p[1], p[2]);
    } else if (p.length >= 2 && p[0].equals("del")) {
      map.remove(p[1]);
    }
  }

  @Override
  public synchronized void apply(Record record) {
    if (lastApplied >= 0 && record.index() != lastApplied + 1) {
      throw new IllegalStateException(
          "applied " + record.index() + " after " + lastApplied + ": out of order");
    }
    applyTo(map, record.payloadBytes());
    lastApplied = record.index();
    applied++;
  }

  @Override
  public synchronized void checkpoint(OutputStream out) throws IOException {
    DataOutputStream d = new DataOutputStream(out);
    d.writeLong(lastApplied);
    d.writeInt(map.size());
    for (Map.Entry<String, String> e : map.entrySet()) {
      d.writeUTF(e.getKey());
      d.writeUTF(e.getValue());
    }
    d.writeInt(padBytes);
    byte[] block = new byte[8192];
    for (int written = 0; written < padBytes; ) {
      int n = Math.min(block.length, padBytes - written);
      for (int i = 0; i < n; i++) {
        block[i] = pad(written + i);
      }
      d.write(block, 0, n);
      written += n;
    }
    d.flush();
  }

  @Override
  public synchronized void restore(InputStream in) throws IOException {
    restores++;
    DataInputStream d = new DataInputStream(in);
    map.clear();
    lastApplied = d.readLong();
    int n = d.readInt();
    for (int i = 0; i < n; i++) {
      map.put(d.readUTF(), d.readUTF());
    }
    int pad = d.readInt();
    for (int i = 0; i < pad; i++) {
      int b = d.read();
      if (b != Byte.toUnsignedInt(pad(i))) {
        throw new IOException("pad byte " + i + " is " + b);
      }
    }
    if (d.read() != -1) {
      throw new IOException("bytes after the checkpoint's end");
    }
  }

  private static byte pad(int i) {
    return (byte) (i * 131 + (i >>> 9));
  }

  public synchronized Map<String, String> map() {
    return new TreeMap<>(map);
  }

  public synchronized long lastApplied() {
    return lastApplied;
  }

  /** Records applied since this object was made (replay included). */
  public synchronized long applied() {
    return applied;
  }

  public synchronized int restores() {
    return restores;
  }
}
