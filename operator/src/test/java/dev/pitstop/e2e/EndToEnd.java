package dev.pitstop.e2e;

import dev.pitstop.testing.SecondLane;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;

/**
 * An end-to-end test class: it runs beside the other integration tests, since it mostly waits on
 * other processes, in the second lane ({@link SecondLane}), one at a time with the other end-to-end
 * classes, which share the control plane, its CRDs and the Lease.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Tag("e2e")
@SecondLane
@interface EndToEnd {}
