package dev.extradite.examples;

import dev.extradite.Extradite;
import dev.extradite.ExtraditeException;
import dev.extradite.RemoteClass;
import dev.extradite.RemoteObject;
import dev.extradite.UnsupportedInteractionError;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * The Java quick start: the builder, blocking and {@code CompletableFuture} calls, a typed
 * interface and try-with-resources, against {@code com.acme.heavy.Counter} in a child JVM.
 * Exits non-zero when a result is wrong.
 */
public final class JavaQuickStart {
    private JavaQuickStart() {
    }

    // README: java-counter-view
    /** The host's typed view of the remote counter: the target class never implements it. */
    public interface CounterView {
        int increment(int delta);

        String getLabel();

        void setLabel(String label);

        CompletableFuture<Integer> slowIncrement(int delta);
    }
    // README end

    public static void main(String[] args) throws Exception {
        // README: java-quick-start
        Path heavyJar = Path.of(System.getProperty("heavy.jar", "libs/heavy.jar"));
        try (RemoteClass counters = Extradite.target("com.acme.heavy.Counter")
                .classpath(heavyJar)
                .jvmArgs("-Xmx64m")
                .startupTimeout(Duration.ofSeconds(30))
                .open()) {
            RemoteObject counter = counters.newInstance(3);                        // in the child JVM
            Object five = counter.callBlocking("increment", 2);                   // blocks: 5
            CompletableFuture<Object> seven = counter.callAsync("increment", 2);  // does not block
            Object created = counters.getBlocking("created");                     // a static property

            CounterView view = counter.bind(CounterView.class);                   // typed calls
            Object sevenValue = seven.get();
            view.setLabel("eight");
            int eight = view.increment(1);
            int ten = view.slowIncrement(2).get();                                // a suspend target, as a future
            Object twelve = counter.callBlocking("increment", Extradite.named("delta", 2)); // by parameter name

            try {
                counter.callBlocking("increment", "not a number");
                throw new IllegalStateException("a call with no matching overload succeeded");
            } catch (UnsupportedInteractionError expected) {                      // one of ExtraditeException's kinds
                System.out.println("no overload: " + expected.getMessage().lines().findFirst().orElse(""));
            }

            System.out.printf("five=%s eight=%d ten=%d twelve=%s label=%s created=%s%n", five, eight, ten, twelve, view.getLabel(), created);
            check(five.equals(5) && sevenValue.equals(7) && eight == 8 && ten == 10 && twelve.equals(12) && "eight".equals(view.getLabel()), "unexpected results");
        } catch (ExtraditeException failure) {
            System.err.println("extradite failed: " + failure.getMessage());
            throw failure;
        }
        // README end
        check(!onHostClasspath("com.acme.heavy.Counter"), "the host loaded the target");
        System.out.println("Java quick start OK: the host never loaded com.acme.heavy");
    }

    private static boolean onHostClasspath(String className) {
        try {
            Class.forName(className);
            return true;
        } catch (ClassNotFoundException expected) {
            return false;
        }
    }

    private static void check(boolean condition, String what) {
        if (!condition) {
            throw new IllegalStateException(what);
        }
    }
}
