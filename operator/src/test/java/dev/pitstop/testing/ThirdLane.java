package dev.pitstop.testing;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * An integration test class that runs beside the others in a third lane, one class at a time: the
 * fault tests, which mostly wait (on killed and restarted operators, on statements that sleep on
 * the server, on a stopped server) and each use an API server and databases of their own; and, to
 * even out the lanes, other classes that mostly wait on processes (the CLI jar's test, one scenario
 * of the load test). The first lane runs the other in-process classes one after the other, the
 * second the end-to-end classes ({@link SecondLane}); the three lanes take about as long.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Execution(ExecutionMode.CONCURRENT)
@ResourceLock(ThirdLane.LOCK)
public @interface ThirdLane {
  /** The lock every class of the third lane holds. */
  String LOCK = "pitstop-third-lane";
}
