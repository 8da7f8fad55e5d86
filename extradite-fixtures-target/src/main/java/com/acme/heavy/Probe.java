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
