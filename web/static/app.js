/* Review Learning Assistant — progressive enhancement only. Every form works without this file.
 *
 * - Ask forms stream the answer over server-sent events (fetch + ReadableStream, POST with the CSRF
 *   token), show the draft as it arrives, swap in the finished, cited answer rendered by the server,
 *   and announce "Answer ready" once. Any failure before the answer falls back to a normal submit.
 * - Copy buttons copy an answer with its sources (titles, pages and links).
 * - After a refusal the question stays in the box, ready to edit.
 * - Feedback forms post in the background and show the reply in place.
 * GOV.UK Frontend's own components (error summary focus, character counts) start in govuk-init.js.
 * No single-key shortcuts.
 */
(function () {
  "use strict";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  function announce(text) {
    var region = document.getElementById("answer-announcer");
    if (!region) { return; }
    region.textContent = "";
    window.setTimeout(function () { region.textContent = text; }, 100);
  }

  function fieldValue(id) {
    var el = document.getElementById(id);
    return el ? el.value.trim() : "";
  }

  /* --- server-sent events over fetch ------------------------------------------------------ */

  function parseEvent(block) {
    var name = "message";
    var data = [];
    block.split("\n").forEach(function (line) {
      if (line.indexOf("event:") === 0) { name = line.slice(6).trim(); }
      else if (line.indexOf("data:") === 0) { data.push(line.slice(5).replace(/^ /, "")); }
    });
    if (!data.length) { return null; }
    return { name: name, data: JSON.parse(data.join("\n")) };
  }

  async function readEvents(response, onEvent) {
    var reader = response.body.getReader();
    var decoder = new TextDecoder();
    var buffer = "";
    for (;;) {
      var chunk = await reader.read();
      if (chunk.done) { break; }
      buffer += decoder.decode(chunk.value, { stream: true });
      var blocks = buffer.split("\n\n");
      buffer = blocks.pop();
      blocks.forEach(function (block) {
        var event = parseEvent(block);
        if (event) { onEvent(event); }
      });
    }
    if (buffer.trim()) {
      var last = parseEvent(buffer);
      if (last) { onEvent(last); }
    }
  }

  /* --- asking --------------------------------------------------------------------------- */

  var busy = false;

  function pendingTurn(question) {
    var article = document.createElement("article");
    article.className = "rla-turn rla-turn--pending";
    article.setAttribute("aria-busy", "true");
    var heading = document.createElement("h2");
    heading.className = "govuk-heading-m rla-turn__question";
    var caption = document.createElement("span");
    caption.className = "govuk-caption-m";
    caption.textContent = "Your question";
    heading.appendChild(caption);
    heading.appendChild(document.createTextNode(" " + question));
    var status = document.createElement("p");
    status.className = "rla-pending__status";
    status.textContent = "Searching the library…";
    var draft = document.createElement("div");
    draft.className = "rla-answer__draft";
    article.appendChild(heading);
    article.appendChild(status);
    article.appendChild(draft);
    return { article: article, status: status, draft: draft };
  }

  function conversationStarted(payload) {
    document.querySelectorAll("[data-conversation-id]").forEach(function (input) {
      input.value = payload.conversation_id;
    });
    if (window.history && window.history.replaceState) {
      window.history.replaceState(null, "", payload.conversation_url);
    }
    var starters = document.querySelector(".rla-starters");
    if (starters) { starters.hidden = true; }
    var label = document.querySelector('label[for="question"]');
    if (label) { label.textContent = "Ask a follow-up question"; }
    var lead = document.querySelector("[data-hint-lead]");
    if (lead) { lead.textContent = "Your earlier questions in this conversation are taken into account."; }
    if (!document.querySelector("[data-conversation-actions]")) {
      var list = document.createElement("ul");
      list.className = "govuk-list rla-actions";
      list.setAttribute("data-conversation-actions", "");
      [["/", "Start a new conversation"],
       [payload.conversation_url + "/export.md", "Export this conversation as Markdown"]
      ].forEach(function (item) {
        var li = document.createElement("li");
        var a = document.createElement("a");
        a.className = "govuk-link";
        a.href = item[0];
        a.textContent = item[1];
        li.appendChild(a);
        list.appendChild(li);
      });
      var conversation = document.getElementById("conversation");
      conversation.parentNode.insertBefore(list, conversation);
    }
  }

  function finish(pending, payload) {
    var template = document.createElement("template");
    template.innerHTML = payload.html;
    var turn = template.content.firstElementChild;
    pending.article.replaceWith(template.content);
    conversationStarted(payload);
    if (turn) {
      enhanceCopy(turn);
      enhanceFeedback(turn);
      // GOV.UK Frontend's components in the new turn (character count, radios): govuk-init.js
      turn.dispatchEvent(new CustomEvent("rla:content-added", { bubbles: true }));
    }
    announce("Answer ready");
  }

  /* After an answer the box is cleared for the next question; after a refusal the question stays
   * there (or is put there, when it came from a suggested question), ready to edit. */
  function keepQuestionIfRefused(form, asked, refused) {
    var question = document.getElementById("question");
    if (!question) { return; }
    if (refused) {
      question.value = asked;
    } else if (form.id === "ask-form") {
      question.value = "";
    }
  }

  async function askStream(form, body) {
    var conversation = document.getElementById("conversation");
    var pending = pendingTurn(body.question);
    conversation.appendChild(pending.article);
    var response;
    try {
      response = await fetch("/api/ask/stream", {
        method: "POST",
        credentials: "same-origin",
        headers: {
          "Content-Type": "application/json",
          "Accept": "text/event-stream",
          "X-CSRFToken": csrfToken()
        },
        body: JSON.stringify(body)
      });
    } catch (err) {
      response = null;
    }
    if (!response || !response.ok || !response.body) {
      pending.article.remove();
      form.submit(); // the server shows the error (or the answer) the no-JavaScript way
      return;
    }
    var finished = false;
    var refused = false;
    try {
      await readEvents(response, function (event) {
        if (event.name === "token") {
          pending.status.textContent = "Writing the answer…";
          pending.draft.textContent += event.data;
        } else if (event.name === "answer") {
          finished = true;
          refused = Boolean(event.data.refused);
          finish(pending, event.data);
        } else if (event.name === "error") {
          pending.status.textContent = event.data.message;
        }
      });
    } catch (err) {
      pending.status.textContent = "The connection was interrupted. Try asking again.";
    }
    if (!finished) {
      pending.article.removeAttribute("aria-busy");
      announce("The answer could not be finished");
    } else {
      keepQuestionIfRefused(form, body.question, refused);
    }
  }

  function enhanceAsk(form) {
    form.addEventListener("submit", function (event) {
      if (!window.fetch || !window.ReadableStream || !window.TextDecoder) { return; }
      var data = new FormData(form);
      var question = String(data.get("question") || "").trim();
      if (!question) { return; } // the server shows the error summary
      event.preventDefault();
      if (busy) { return; }
      busy = true;
      var buttons = document.querySelectorAll("[data-ask-button]");
      buttons.forEach(function (b) { b.setAttribute("aria-disabled", "true"); });
      var idInput = document.querySelector("[data-conversation-id]");
      var body = {
        question: question,
        conversation_id: idInput ? idInput.value : "",
        theme: fieldValue("theme"),
        doc_type: fieldValue("doc_type"),
        year_from: fieldValue("year_from"),
        year_to: fieldValue("year_to")
      };
      askStream(form, body).finally(function () {
        busy = false;
        buttons.forEach(function (b) { b.removeAttribute("aria-disabled"); });
      });
    });
  }

  /* --- copy an answer -------------------------------------------------------------------- */

  function answerText(button) {
    var target = document.getElementById(button.getAttribute("data-copy-target"));
    var article = button.closest("article");
    var parts = [target ? target.innerText.trim() : ""];
    var sources = article ? article.querySelectorAll(".rla-source") : [];
    if (sources.length) { parts.push("", "Sources:"); }
    sources.forEach(function (source) {
      var title = source.querySelector(".rla-source__title");
      var meta = source.querySelector(".rla-source__meta");
      var pages = Array.prototype.map.call(source.querySelectorAll("[data-page]"), function (a) {
        return a.getAttribute("data-page");
      });
      var original = source.querySelector("[data-original]");
      parts.push(
        (title ? title.innerText.trim() : "") +
        (meta ? " — " + meta.innerText.replace(/\s+/g, " ").trim() : "") +
        (pages.length ? (pages.length === 1 ? ", page " : ", pages ") + pages.join(", ") : "")
      );
      if (original) { parts.push(original.href); }
    });
    return parts.join("\n");
  }

  function copyFallback(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.className = "govuk-visually-hidden";
    document.body.appendChild(area);
    area.select();
    var ok = false;
    try { ok = document.execCommand("copy"); } catch (err) { ok = false; }
    area.remove();
    return ok;
  }

  function enhanceCopy(root) {
    root.querySelectorAll("[data-copy-target]").forEach(function (button) {
      if (button.getAttribute("data-enhanced")) { return; }
      button.setAttribute("data-enhanced", "1");
      button.hidden = false;
      button.addEventListener("click", function () {
        var text = answerText(button);
        var done = function () { announce("Answer copied"); };
        if (navigator.clipboard && window.isSecureContext) {
          navigator.clipboard.writeText(text).then(done, function () {
            if (copyFallback(text)) { done(); }
          });
        } else if (copyFallback(text)) {
          done();
        }
      });
    });
  }

  /* --- feedback --------------------------------------------------------------------------- */

  function enhanceFeedback(root) {
    root.querySelectorAll("[data-feedback-form]").forEach(function (form) {
      if (form.getAttribute("data-enhanced")) { return; }
      form.setAttribute("data-enhanced", "1");
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        if (form.getAttribute("data-sent")) { return; } // one piece of feedback per form
        var data = new FormData(form);
        var submitter = event.submitter;
        if (submitter && submitter.name) { data.set(submitter.name, submitter.value); }
        var result = form.querySelector(".rla-feedback__result");
        fetch(form.action, {
          method: "POST",
          credentials: "same-origin",
          headers: { "Accept": "application/json" },
          body: data
        }).then(function (response) {
          return response.json().then(function (body) { return { ok: response.ok, body: body }; });
        }).then(function (reply) {
          if (result) { result.textContent = reply.ok ? reply.body.message : reply.body.error; }
          if (reply.ok) {
            form.setAttribute("data-sent", "1");
            form.querySelectorAll("button").forEach(function (b) { b.setAttribute("aria-disabled", "true"); });
          }
        }).catch(function () {
          form.submit();
        });
      });
    });
  }

  function init() {
    document.querySelectorAll("[data-ask-form]").forEach(enhanceAsk);
    enhanceCopy(document);
    enhanceFeedback(document);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
