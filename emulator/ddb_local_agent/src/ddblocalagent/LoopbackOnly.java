// Test infrastructure for the project's LocalStack emulator (emulator/), not production code.
//
// Rewrites org.eclipse.jetty.server.AbstractNetworkConnector.getHost() so that its result passes
// through Premain.hostOrLoopback: "no host set" (bind every interface) becomes 127.0.0.1.
// Uses the ASM copy inside the JDK, opened to this agent at run time, so the jar needs no
// third-party library.
package ddblocalagent;

import java.lang.instrument.ClassFileTransformer;
import java.security.ProtectionDomain;
import jdk.internal.org.objectweb.asm.ClassReader;
import jdk.internal.org.objectweb.asm.ClassVisitor;
import jdk.internal.org.objectweb.asm.ClassWriter;
import jdk.internal.org.objectweb.asm.MethodVisitor;
import jdk.internal.org.objectweb.asm.Opcodes;

final class LoopbackOnly implements ClassFileTransformer {
    private static final String TARGET = "org/eclipse/jetty/server/AbstractNetworkConnector";
    static final String ASM = "jdk.internal.org.objectweb.asm";

    @Override
    public byte[] transform(ClassLoader loader, String name, Class<?> redefined,
                            ProtectionDomain domain, byte[] bytes) {
        if (!TARGET.equals(name)) {
            return null;
        }
        try {
            ClassReader reader = new ClassReader(bytes);
            ClassWriter writer = new ClassWriter(reader, 0);
            reader.accept(new ClassVisitor(Opcodes.ASM8, writer) {
                @Override
                public MethodVisitor visitMethod(int access, String method, String descriptor,
                                                 String signature, String[] exceptions) {
                    MethodVisitor visitor = super.visitMethod(access, method, descriptor, signature, exceptions);
                    if (!"getHost".equals(method) || !"()Ljava/lang/String;".equals(descriptor)) {
                        return visitor;
                    }
                    return new MethodVisitor(Opcodes.ASM8, visitor) {
                        @Override
                        public void visitInsn(int opcode) {
                            if (opcode == Opcodes.ARETURN) {
                                super.visitMethodInsn(Opcodes.INVOKESTATIC, "ddblocalagent/Premain",
                                        "hostOrLoopback", "(Ljava/lang/String;)Ljava/lang/String;", false);
                            }
                            super.visitInsn(opcode);
                        }
                    };
                }
            }, 0);
            System.err.println("ddb-local-loader: Jetty connectors default to 127.0.0.1");
            return writer.toByteArray();
        } catch (Throwable e) {
            System.err.println("ddb-local-loader: could not rewrite " + name + ": " + e);
            return null;
        }
    }
}
