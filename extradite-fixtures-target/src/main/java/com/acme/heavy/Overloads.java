package com.acme.heavy;

import java.util.List;
import java.util.Map;

/** Overload resolution and exact types, the way javac would pick. */
public class Overloads {
    public static final String VERSION = "1.0";
    public static int counter = 0;
    public String name = "overloads";

    public String pick(int x) { return "int"; }
    public String pick(long x) { return "long"; }
    public String pick(double x) { return "double"; }
    public String pick(Object x) { return "Object"; }
    public String pick(String x) { return "String"; }

    public String widen(long x) { return "long:" + x; }
    public String widen(Integer x) { return "Integer:" + x; }

    public String boxed(Integer x) { return "Integer:" + x; }
    public String number(Number x) { return "Number:" + x.getClass().getSimpleName(); }

    public String ambiguous(String x) { return "String"; }
    public String ambiguous(Integer x) { return "Integer"; }

    public String join(String sep, String... parts) { return String.join(sep, parts); }
    public int sum(int... values) { int s = 0; for (int v : values) s += v; return s; }

    public Object echo(Object x) { return x; }
    public static Object staticEcho(Object x) { return x; }
    public static int twice(int x) { return 2 * x; }

    public int sizeOf(List<?> list) { return list.size(); }
    public Object lookup(Map<String, ?> map, String key) { return map.get(key); }

    public byte[] echoBytes(byte[] bytes) { return bytes; }
    public long checksum(byte[] bytes) { long s = 0; for (byte b : bytes) s = s * 31 + b; return s; }
    public byte[] bytesOf(int size) { byte[] b = new byte[size]; for (int i = 0; i < size; i++) b[i] = (byte) i; return b; }
    public int[] squares(int n) { int[] r = new int[n]; for (int i = 0; i < n; i++) r[i] = i * i; return r; }
    public String[] words() { return new String[] {"a", "b"}; }

    /** ByteBuffers: what arrived (kind, position/limit), a reversed copy, a direct one made here. */
    public String describe(java.nio.ByteBuffer b) { return (b.isDirect() ? "direct " : "heap ") + b.position() + "/" + b.limit(); }
    public java.nio.ByteBuffer reversed(java.nio.ByteBuffer b) {
        byte[] bytes = new byte[b.remaining()];
        b.get(bytes);
        for (int i = 0, j = bytes.length - 1; i < j; i++, j--) { byte t = bytes[i]; bytes[i] = bytes[j]; bytes[j] = t; }
        return java.nio.ByteBuffer.wrap(bytes);
    }
    public java.nio.ByteBuffer directOf(int size) {
        java.nio.ByteBuffer d = java.nio.ByteBuffer.allocateDirect(size);
        for (int i = 0; i < size; i++) d.put((byte) i);
        return d.flip();
    }

    public static int getCounter() { return counter; }

    public int rejectBytes(byte[] bytes) { throw new IllegalArgumentException("rejected " + bytes.length + " bytes"); }
    /** [size] bytes after [millis], even if the caller gave up and the wait is interrupted. */
    public byte[] lateBytes(int size, long millis) {
        long end = System.nanoTime() + millis * 1_000_000;
        for (long left = millis; left > 0; left = (end - System.nanoTime()) / 1_000_000) {
            try { Thread.sleep(left); } catch (InterruptedException e) { /* keep going: the reply must come */ }
        }
        return new byte[size];
    }
}
