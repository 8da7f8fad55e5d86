package dev.extradite.bench;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.rmi.Remote;
import java.rmi.RemoteException;
import java.rmi.registry.LocateRegistry;
import java.rmi.registry.Registry;
import java.rmi.server.UnicastRemoteObject;
import java.util.Arrays;

/**
 * The peer Java users know: a JDK RMI {@code int echo(int)} over loopback between two JVM
 * processes. {@code main} is the serving child; {@link #roundTripP50} the measuring host.
 */
public final class RmiEcho {
    /** The remote interface. */
    public interface Echo extends Remote {
        int echo(int value) throws RemoteException;
    }

    private static final class EchoImpl implements Echo {
        @Override
        public int echo(int value) {
            return value;
        }
    }

    private RmiEcho() {}

    /** Child: exports an Echo in a registry on a free loopback port, prints the port, serves until stdin closes. */
    public static void main(String[] args) throws Exception {
        System.setProperty("java.rmi.server.hostname", "127.0.0.1");
        Echo echo = new EchoImpl();
        Echo stub = (Echo) UnicastRemoteObject.exportObject(echo, 0);
        int port = 0;
        Registry registry = null;
        for (int candidate = 20000 + (int) (ProcessHandle.current().pid() % 20000); registry == null; candidate++) {
            try {
                registry = LocateRegistry.createRegistry(candidate);
                port = candidate;
            } catch (RemoteException busy) {
                // Try the next port.
            }
        }
        registry.rebind("echo", stub);
        System.out.println("PORT " + port);
        System.out.flush();
        while (System.in.read() >= 0) {
            // Serve until the host closes our stdin.
        }
        System.exit(0);
    }

    /** Host: starts the RMI child, measures {@code calls} echo calls, returns the p50 in µs. */
    public static double roundTripP50(String java, String classpath, int calls) throws Exception {
        Process child = new ProcessBuilder(java, "-cp", classpath, RmiEcho.class.getName()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try {
            String line = new BufferedReader(new InputStreamReader(child.getInputStream())).readLine();
            if (line == null || !line.startsWith("PORT ")) throw new IllegalStateException("the RMI child did not start: " + line);
            int port = Integer.parseInt(line.substring(5).trim());
            Echo echo = (Echo) LocateRegistry.getRegistry("127.0.0.1", port).lookup("echo");
            long[] samples = new long[calls];
            for (int i = -calls / 5; i < calls; i++) {
                long start = System.nanoTime();
                if (echo.echo(i) != i) throw new IllegalStateException("RMI echo returned a wrong value");
                if (i >= 0) samples[i] = System.nanoTime() - start;
            }
            Arrays.sort(samples);
            return samples[calls / 2] / 1000.0;
        } finally {
            child.getOutputStream().close();
            child.waitFor();
        }
    }
}
