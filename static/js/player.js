// Enhancement for video lessons: reports the media time really watched.
// The server merges the intervals; seeking never counts as watching. Without this
// script the lesson page explains that video lessons need the player.
(function () {
  "use strict";
  var video = document.querySelector("video[data-progress-url]");
  if (!video) return;
  var form = document.querySelector("form[data-progress-form]");
  var bar = document.querySelector("[data-progress-bar]");
  var status = document.querySelector("[data-progress-status]");
  var url = video.getAttribute("data-progress-url");
  var every = Math.max(2, parseFloat(video.getAttribute("data-report-every")) || 5) * 1000;
  var resume = parseFloat(video.getAttribute("data-resume")) || 0;
  var threshold = video.getAttribute("data-completion-percent");
  // A step between two timeupdate events counts as playing on when it is no larger
  // than the wall time since the previous event at the current speed (plus a margin):
  // a slow device firing few events loses nothing, a jump without a seek event gains
  // nothing.
  var MARGIN = 1;
  var lastWall = 0;
  function maxStep() {
    var wall = (performance.now() - lastWall) / 1000;
    return wall * Math.max(1, video.playbackRate || 1) + MARGIN;
  }

  var done = [];        // closed intervals not yet acknowledged by the server
  var start = null;     // start of the interval being played now
  var last = null;      // media time reached in it
  var sending = false;
  var stopped = false;
  var completed = false;

  function close() {
    if (start !== null && last !== null && last > start) done.push([start, last]);
    start = null;
    last = null;
  }

  function open() {
    start = video.currentTime;
    last = start;
    lastWall = performance.now();
  }

  function spans() {
    var all = done.slice();
    if (start !== null && last !== null && last > start) all.push([start, last]);
    return all;
  }

  // Sent as a URL-encoded form (the CSRF field, s, pos): it costs the server less to
  // read than multipart form data, and every player sends one every few seconds.
  function body() {
    var data = new URLSearchParams(new FormData(form));
    data.append("s", spans().map(function (s) {
      return s[0].toFixed(2) + "-" + s[1].toFixed(2);
    }).join(","));
    data.append("pos", video.currentTime.toFixed(2));
    return data;
  }

  function show(state) {
    if (bar) {
      bar.value = state.percent;
      bar.setAttribute("aria-label", "영상 시청 " + state.percent + "%");
    }
    if (!status) return;
    if (state.course_completed) {
      status.textContent = "모든 강의를 마쳤습니다. 수료를 축하합니다! 교육 첫 화면에서 수료증을 볼 수 있어요.";
    } else if (state.completed) {
      status.textContent = "이 강의를 마쳤습니다. 다음 강의로 넘어가세요.";
    } else {
      status.textContent = "지금까지 " + state.percent + "% 보셨어요. 영상의 " + threshold + "% 이상을 실제로 보면 강의가 끝납니다.";
    }
    if (state.completed && !completed) {
      completed = true;
      document.documentElement.setAttribute("data-lesson-completed", "true");
    }
  }

  function send() {
    if (sending || stopped) return;
    var sent = done.length;
    if (!sent && (start === null || last === null || last <= start)) return;
    sending = true;
    fetch(url, { method: "POST", body: body(), credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) {
        if (response.status === 409 || response.status === 404 || response.status === 403) {
          stopped = true;
          if (status) status.textContent = "수강 기간이 끝났거나 다시 로그인해야 해서 시청 기록이 남지 않습니다. 화면을 새로 고쳐 주세요.";
          return null;
        }
        return response.ok ? response.json() : null;
      })
      .then(function (state) {
        if (state) {
          done.splice(0, sent);
          show(state);
        }
      })
      .catch(function () { /* offline: the intervals stay queued for the next report */ })
      .then(function () { sending = false; });
  }

  video.addEventListener("loadedmetadata", function () {
    if (resume > 1 && resume < video.duration - 1) video.currentTime = resume;
  });
  video.addEventListener("playing", open);
  video.addEventListener("timeupdate", function () {
    if (video.paused || video.seeking || start === null) return;
    var now = video.currentTime;
    if (now >= last && now - last <= maxStep()) {
      last = now;
      lastWall = performance.now();
    } else {
      close();
      open();
    }
  });
  video.addEventListener("seeking", close);
  video.addEventListener("seeked", function () { if (!video.paused) open(); });
  function stop() {
    if (start !== null && !video.seeking) {
      var now = video.currentTime;
      if (now >= last && now - last <= maxStep()) last = now;
    }
    close();
    send();
  }
  video.addEventListener("pause", stop);
  video.addEventListener("ended", stop);
  window.setInterval(send, every);
  window.addEventListener("pagehide", function () {
    close();
    if (!done.length || stopped || !navigator.sendBeacon) return;
    navigator.sendBeacon(url, body());
  });
})();
