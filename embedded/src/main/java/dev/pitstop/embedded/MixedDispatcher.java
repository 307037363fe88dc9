package dev.pitstop.embedded;

import io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext;
import io.fabric8.kubernetes.client.server.mock.CustomResourceAware;
import io.fabric8.kubernetes.client.server.mock.Resetable;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.mockwebserver.internal.MockDispatcher;
import io.fabric8.mockwebserver.internal.SimpleRequest;
import java.util.Map;
import java.util.Queue;

/**
 * fabric8's {@code KubernetesMixedDispatcher} with {@link IndexedCrudDispatcher} as its store: a
 * request with a recorded expectation gets that answer, a discovery request ({@link ApiDiscovery})
 * the discovery document, a Table or Events by involved object ({@link ServerViews}) what is
 * computed from the store's answer, every other one goes to the store.
 */
final class MixedDispatcher extends Dispatcher implements Resetable, CustomResourceAware {
  private final Map<ServerRequest, Queue<ServerResponse>> responses;
  private final MockDispatcher expectations;
  private final IndexedCrudDispatcher store = new IndexedCrudDispatcher();
  private final ApiDiscovery discovery = new ApiDiscovery();
  private final ServerViews views = new ServerViews();

  MixedDispatcher(Map<ServerRequest, Queue<ServerResponse>> responses) {
    this.responses = responses;
    this.expectations = new MockDispatcher(responses);
  }

  @Override
  public MockResponse dispatch(RecordedRequest request) {
    Queue<ServerResponse> answers =
        responses.get(
            new SimpleRequest(HttpMethod.valueOf(request.getMethod()), request.getPath()));
    if (answers != null && !answers.isEmpty()) {
      return expectations.dispatch(request);
    }
    MockResponse discovered = discovery.answer(request);
    if (discovered != null) {
      return discovered;
    }
    MockResponse view = views.answer(request, store::dispatch);
    if (view != null) {
      return view;
    }
    return store.dispatch(request);
  }

  @Override
  public void reset() {
    store.reset();
  }

  @Override
  public void expectCustomResource(CustomResourceDefinitionContext context) {
    store.expectCustomResource(context);
  }

  /** Makes a CRD's resources known to discovery and its printer columns to Tables. */
  void addCustomResource(
      io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition crd) {
    discovery.add(crd);
    views.add(crd);
  }

  IndexedCrudDispatcher store() {
    return store;
  }
}
