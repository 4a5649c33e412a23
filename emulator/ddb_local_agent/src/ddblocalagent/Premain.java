// Test infrastructure for the project's LocalStack emulator (emulator/), not production code.
//
// LocalStack starts DynamoDB Local with -javaagent:ddb-local-loader-0.1.jar, a jar it would
// download; emulator/setup.sh builds this agent under that name instead. Its one job: keep
// DynamoDB Local off the network. DynamoDB Local has no bind-address option and its Jetty server
// listens on every interface; this agent makes Jetty's connectors default to 127.0.0.1.
package ddblocalagent;

import java.lang.instrument.Instrumentation;
import java.util.Map;
import java.util.Set;

public final class Premain {
    private Premain() {}

    public static void premain(String args, Instrumentation inst) {
        try {
            // Open the JDK's ASM to this agent first: LoopbackOnly links against it when created.
            Module javaBase = Object.class.getModule();
            Map<String, Set<Module>> exports = Map.of(LoopbackOnly.ASM, Set.of(Premain.class.getModule()));
            inst.redefineModule(javaBase, Set.of(), exports, Map.of(), Set.of(), Map.of());
            inst.addTransformer(new LoopbackOnly());
        } catch (Throwable e) {
            System.err.println("ddb-local-loader: could not restrict Jetty to 127.0.0.1: " + e);
        }
    }

    /** Called from the rewritten AbstractNetworkConnector.getHost(). */
    public static String hostOrLoopback(String host) {
        return host == null ? "127.0.0.1" : host;
    }
}
