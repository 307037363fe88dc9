package dev.pitstop.testing;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * An integration test class that runs beside the others in the second lane, one class at a time:
 * the end-to-end classes ({@code @EndToEnd}), which mostly wait on the real control plane and the
 * operator processes and share that control plane, and, to even out the lanes, other classes that
 * mostly wait on an operator process (the operator jar's own test, one scenario of the load test).
 * The first lane runs the in-process classes one after the other, the third the fault tests ({@link
 * ThirdLane}).
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Execution(ExecutionMode.CONCURRENT)
@ResourceLock(SecondLane.LOCK)
public @interface SecondLane {
  /** The lock every class of the second lane holds. */
  String LOCK = "pitstop-second-lane";
}
