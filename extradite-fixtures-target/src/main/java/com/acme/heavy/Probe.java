package com.acme.heavy;

/** Reports facts about the child JVM it runs in. */
public final class Probe {
    private Probe() {}

    public static String env(String name) { return System.getenv(name); }
    public static String property(String name) { return System.getProperty(name); }
    public static String cwd() { return System.getProperty("user.dir"); }
    public static int feature() { return Runtime.version().feature(); }
    public static long maxHeap() { return Runtime.getRuntime().maxMemory(); }
    public static long pid() { return ProcessHandle.current().pid(); }
    public static String jvmArguments() { return String.join(" ", java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments()); }
    public static void exit(int code) { System.exit(code); }
    public static void halt(int code) { Runtime.getRuntime().halt(code); }
    public static void say(String line) { System.out.println(line); System.out.flush(); }
    public static void warn(String line) { System.err.println(line); System.err.flush(); }
    public static String echo(String text) { return text; }

    /** True when the host's own classes are not visible to the target (isolation the other way round). */
    public static boolean canSee(String className) {
        try {
            Class.forName(className, false, Probe.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }
}
