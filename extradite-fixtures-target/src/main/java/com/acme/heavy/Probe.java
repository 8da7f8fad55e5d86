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

    private static final java.util.List<long[]> hoard = new java.util.ArrayList<>();

    /** Keeps allocating, and keeping, until the heap is exhausted. */
    public static int exhaustHeap() {
        while (true) hoard.add(new long[1 << 20]);
    }

    /** Registers a shutdown hook that never returns, then exits the JVM. */
    public static void exitWithHangingHook(int code) {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            while (true) {
                try { Thread.sleep(60_000); } catch (InterruptedException e) { /* keep hanging */ }
            }
        }));
        System.exit(code);
    }

    /** What reading System.in gives: its available() and then read(). */
    public static String readStdin() throws java.io.IOException { return System.in.available() + " " + System.in.read(); }

    /** Whether this thread's context class loader is the one that loaded the target. */
    public static boolean contextLoaderIsTargets() { return Thread.currentThread().getContextClassLoader() == Probe.class.getClassLoader(); }

    /** Sets this thread's context class loader to a new, empty one, and leaves it there. */
    public static void replaceContextLoader() { Thread.currentThread().setContextClassLoader(new java.net.URLClassLoader(new java.net.URL[0], null)); }

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
