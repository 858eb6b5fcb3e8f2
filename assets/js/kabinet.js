// Progressive enhancement only: every page works without this file.
(function () {
  'use strict';
  // With this file the upload rows show one button each (the label) and the chosen file's name;
  // without it, the browser's own file inputs stay.
  document.documentElement.className += ' js';
  // On a phone the menu waits behind one button instead of three rows of links (issue 17).
  var nav = document.querySelector('.mainnav');
  var navList = document.getElementById('mainnav-list');
  if (nav && navList) {
    var toggle = document.createElement('button');
    toggle.type = 'button';
    toggle.className = 'btn nav-toggle';
    toggle.textContent = 'Меню';
    toggle.setAttribute('aria-expanded', 'false');
    toggle.setAttribute('aria-controls', 'mainnav-list');
    toggle.addEventListener('click', function () {
      var open = nav.className.indexOf(' open') < 0;
      nav.className = open ? nav.className + ' open' : nav.className.replace(' open', '');
      toggle.setAttribute('aria-expanded', open ? 'true' : 'false');
    });
    navList.parentNode.insertBefore(toggle, navList);
  }
  // A "show password" toggle next to password fields.
  var fields = document.querySelectorAll('input[type="password"]');
  for (var i = 0; i < fields.length; i++) {
    (function (input) {
      var btn = document.createElement('button');
      btn.type = 'button';
      btn.className = 'btn btn-link pw-toggle';
      btn.textContent = 'Показать пароль';
      btn.setAttribute('aria-controls', input.id);
      btn.addEventListener('click', function () {
        var show = input.type === 'password';
        input.type = show ? 'text' : 'password';
        btn.textContent = show ? 'Скрыть пароль' : 'Показать пароль';
      });
      input.parentNode.appendChild(btn);
    })(fields[i]);
  }
  // Block double submits (a second click on a slow connection).
  var forms = document.querySelectorAll('form[method="post"]');
  for (var j = 0; j < forms.length; j++) {
    forms[j].addEventListener('submit', function (e) {
      var f = e.currentTarget;
      if (f.getAttribute('data-sent')) { e.preventDefault(); return; }
      f.setAttribute('data-sent', '1');
    });
  }
  // Upload forms: drop files onto the zone, add another file row, check sizes against the
  // limits stated on the page before anything is sent, and show a progress bar per file.
  var uploads = document.querySelectorAll('form[data-upload]');
  for (var u = 0; u < uploads.length; u++) { enhanceUpload(uploads[u]); }

  function enhanceUpload(form) {
    var num = function (name) { return Number(form.getAttribute(name)) || 0; };
    var maxFile = num('data-max-file'), maxItem = num('data-max-item'), maxFiles = num('data-max-files');
    var maxSig = num('data-max-sig'), existingBytes = num('data-existing-bytes'), existingFiles = num('data-existing-files');
    var rows = form.querySelector('[data-rows]');
    var addBtn = form.querySelector('[data-add-row]');
    var errorBox = form.querySelector('[data-size-error]');
    var zone = form.querySelector('[data-dropzone]');
    var submitter = null;
    // A limit reads as people set it («50 МБ»); a size over it gets as many decimals as it
    // takes to look bigger than the limit («50,01 МБ», not «50,0 МБ … не больше 50,0 МБ»).
    var limitMb = function (b) {
      var v = b / 1048576;
      return (v === Math.round(v) ? String(v) : v.toFixed(1).replace('.', ',')) + ' МБ';
    };
    var tooBig = function (what, b, limit) {
      for (var d = 1; d <= 3; d++) {
        var v = (b / 1048576).toFixed(d);
        if (parseFloat(v) > limit / 1048576) {
          return what + ' — ' + v.replace('.', ',') + ' МБ, больше допустимых ' + limitMb(limit) + '.';
        }
      }
      return what + ' больше допустимых ' + limitMb(limit) + ' на ' + (b - limit) + ' байт.';
    };

    // «X.pdf» and «X.pdf.sig» (or «X.p7s», «X.sig») dragged together belong in one row: the
    // tools that make detached signatures save them side by side under such names.
    var isSig = function (name) { return /\.(sig|p7s|p7m)$/i.test(name); };
    var signs = function (sig, doc) {
      var base = sig.replace(/\.(sig|p7s|p7m)$/i, '');
      return base === doc || base === doc.replace(/\.[^.]*$/, '');
    };
    var put = function (input, file) {
      var dt = new DataTransfer();
      dt.items.add(file);
      input.files = dt.files;
      showName(input);
    };
    // The chosen file as a line of the list, like Контур's: an icon, the name and size, for a
    // document whether a signature goes with it, and a cross that takes the file out again.
    function showName(input) {
      var label = input.parentNode.querySelector('[data-file-name]');
      var f = input.files && input.files[0];
      if (!label) { return; }
      label.textContent = '';
      label.className = f ? 'file-name chosen' : 'file-name';
      if (!f) { return; }
      var text = f.name + ' (' + limitMb(f.size).replace(' МБ', '') + ' МБ)';
      var row = input.parentNode.parentNode;
      var sig = input.hasAttribute('data-file-input') && row.querySelector('input[data-sig-input]');
      if (sig) {
        var s = sig.files && sig.files[0];
        text += s ? ' — с подписью «' + s.name + '»' : ' — без подписи';
      }
      label.appendChild(document.createTextNode(text));
      var cross = document.createElement('button');
      cross.type = 'button';
      cross.className = 'file-remove';
      cross.textContent = '×';
      cross.setAttribute('aria-label', 'Убрать файл «' + f.name + '»');
      cross.addEventListener('click', function () {
        input.value = '';
        showName(input);
        var doc = !input.hasAttribute('data-file-input') && row.querySelector('input[data-file-input]');
        if (doc) { showName(doc); }
        check();
        input.focus();
      });
      label.appendChild(cross);
    }
    form.addEventListener('change', function (e) {
      var t = e.target;
      if (t && t.type === 'file') {
        showName(t);
        // a signature chosen or taken out: its document's line says so
        if (t.hasAttribute('data-sig-input')) {
          var doc = t.parentNode.parentNode.querySelector('input[data-file-input]');
          if (doc) { showName(doc); }
        }
      }
    });

    function nextIndex() {
      var max = 0, inputs = rows.querySelectorAll('input[type="file"]');
      for (var i = 0; i < inputs.length; i++) {
        var n = Number(inputs[i].name.replace(/^\D+_/, ''));
        if (n > max) { max = n; }
      }
      return max + 1;
    }
    function addRow() {
      var first = rows.querySelector('[data-row]');
      var row = first.cloneNode(true), n = nextIndex();
      var inputs = row.querySelectorAll('input');
      for (var i = 0; i < inputs.length; i++) {
        var base = inputs[i].name.replace(/_\d+$/, '');
        inputs[i].name = base + '_' + n; inputs[i].id = base + '_' + n; inputs[i].value = '';
      }
      var labels = row.querySelectorAll('label');
      for (var j = 0; j < labels.length; j++) {
        labels[j].setAttribute('for', labels[j].getAttribute('for').replace(/_\d+$/, '_' + n));
      }
      var bar = row.querySelector('progress');
      if (bar) { bar.hidden = true; bar.value = 0; }
      var shown = row.querySelectorAll('[data-file-name]');
      for (var k = 0; k < shown.length; k++) { shown[k].textContent = ''; shown[k].className = 'file-name'; }
      rows.appendChild(row);
      return row;
    }
    function fileInputs() { return rows.querySelectorAll('input[data-file-input]'); }
    function check() {
      var msgs = [], total = existingBytes, count = existingFiles, inputs = fileInputs();
      for (var i = 0; i < inputs.length; i++) {
        var f = inputs[i].files && inputs[i].files[0];
        if (!f) { continue; }
        if (f.size > maxFile) { msgs.push(tooBig('Файл «' + f.name + '»', f.size, maxFile)); }
        total += f.size; count += 1;
      }
      var sigs = form.querySelectorAll('input[data-sig-input]');
      for (var k = 0; k < sigs.length; k++) {
        var s = sigs[k].files && sigs[k].files[0];
        if (s && s.size > maxSig) { msgs.push('Файл подписи «' + s.name + '» слишком большой для отсоединенной подписи.'); }
      }
      if (total > maxItem) { msgs.push(tooBig('Все файлы документа вместе', total, maxItem)); }
      if (count > maxFiles) { msgs.push('Файлов больше ' + maxFiles + ': отправьте часть отдельным письмом.'); }
      errorBox.textContent = msgs.join(' ');
      errorBox.hidden = msgs.length === 0;
      return msgs.length === 0;
    }
    form.addEventListener('change', check);
    form.addEventListener('click', function (e) {
      var t = e.target;
      if (t && t.tagName === 'BUTTON' && t.type === 'submit') { submitter = t; }
    });
    if (addBtn) {
      addBtn.addEventListener('click', function (e) {
        e.preventDefault();
        addRow().querySelector('input[data-file-input]').focus();
      });
    }
    if (zone && window.DataTransfer) {
      zone.hidden = false;
      zone.addEventListener('dragover', function (e) { e.preventDefault(); zone.className = 'dropzone over'; });
      zone.addEventListener('dragleave', function () { zone.className = 'dropzone'; });
      zone.addEventListener('drop', function (e) {
        e.preventDefault();
        zone.className = 'dropzone';
        var files = e.dataTransfer.files, docs = [], sigs = [];
        for (var i = 0; i < files.length; i++) { (isSig(files[i].name) ? sigs : docs).push(files[i]); }
        for (var d = 0; d < docs.length; d++) {
          var target = null, inputs = fileInputs();
          for (var j = 0; j < inputs.length; j++) {
            if (!inputs[j].files || !inputs[j].files.length) { target = inputs[j]; break; }
          }
          if (!target) { target = addRow().querySelector('input[data-file-input]'); }
          put(target, docs[d]);
          for (var s = 0; s < sigs.length; s++) {
            if (signs(sigs[s].name, docs[d].name)) {
              var row = target.parentNode.parentNode;
              put(row.querySelector('input[data-sig-input]'), sigs[s]);
              showName(target);
              sigs.splice(s, 1);
              break;
            }
          }
        }
        var ok = check();
        if (sigs.length) {
          var names = [];
          for (var n = 0; n < sigs.length; n++) { names.push('«' + sigs[n].name + '»'); }
          errorBox.textContent = (ok ? '' : errorBox.textContent + ' ') + 'Подпись ' + names.join(', ') +
            ' не подходит ни к одному перетащенному файлу: перетащите ее вместе с документом или выберите в строке документа.';
          errorBox.hidden = false;
        }
      });
    }
    form.addEventListener('submit', function (e) {
      if (!check()) {
        e.preventDefault();
        form.removeAttribute('data-sent');
        errorBox.focus();
        return;
      }
      if (!window.FormData || !new XMLHttpRequest().upload) { return; } // the plain form post works everywhere
      e.preventDefault();
      send();
    });

    function send() {
      var xhr = new XMLHttpRequest();
      var data = new FormData(form);
      if (submitter && submitter.name) { data.append(submitter.name, submitter.value); }
      var parts = [], inputs = fileInputs();
      for (var i = 0; i < inputs.length; i++) {
        var f = inputs[i].files && inputs[i].files[0];
        var bar = inputs[i].parentNode.querySelector('progress');
        if (f && bar) { bar.hidden = false; bar.value = 0; parts.push({ bar: bar, size: f.size }); }
      }
      // The body carries the files in form order, so the bytes sent so far fill the bars in turn.
      xhr.upload.onprogress = function (ev) {
        var left = ev.loaded;
        for (var p = 0; p < parts.length; p++) {
          var v = Math.max(0, Math.min(parts[p].size, left));
          parts[p].bar.value = parts[p].size ? Math.round(100 * v / parts[p].size) : 100;
          left -= parts[p].size;
        }
      };
      xhr.onload = function () {
        if (xhr.status === 401 && xhr.getResponseHeader('X-Kabinet-Session')) {
          // The session ended (or another tab logged in again): nothing was saved, and the
          // files are still chosen here. Log in on this page and the same form goes again.
          for (var p = 0; p < parts.length; p++) { parts[p].bar.hidden = true; }
          form.removeAttribute('data-sent');
          relogin();
        } else if (xhr.status < 400 && xhr.responseURL) {
          window.location.href = xhr.responseURL;
        } else {
          document.open(); document.write(xhr.responseText); document.close();
        }
      };
      xhr.onerror = function () {
        form.removeAttribute('data-sent');
        errorBox.textContent = 'Связь прервалась во время отправки. Проверьте подключение к интернету и нажмите кнопку еще раз: ничего не сохранено.';
        errorBox.hidden = false;
      };
      // form.action would be the button named «action»: read the attribute.
      xhr.open('POST', form.getAttribute('action'));
      xhr.setRequestHeader('X-Kabinet-Upload', '1');
      xhr.send(data);
    }

    // A page of this site as a document (the login form's token, the upload form's new one).
    function load(method, url, body, done) {
      var xhr = new XMLHttpRequest();
      xhr.open(method, url);
      xhr.responseType = 'document';
      if (body !== null) { xhr.setRequestHeader('Content-Type', 'application/x-www-form-urlencoded'); }
      xhr.onload = function () {
        var a = document.createElement('a');
        a.href = xhr.responseURL || url;
        done(xhr.response, a.pathname, xhr.status);
      };
      xhr.onerror = function () { done(null, '', 0); };
      xhr.send(body);
    }

    function relogin() {
      var box = form.querySelector('[data-relogin]');
      if (box) { box.querySelector('input').focus(); return; }
      box = document.createElement('fieldset');
      box.className = 'relogin';
      box.setAttribute('data-relogin', '');
      box.innerHTML = '<legend>Сеанс завершился</legend>' +
        '<p>Войдите снова здесь же: выбранные файлы и введенный текст остались на странице и будут отправлены сразу после входа.</p>' +
        '<div class="field"><label for="relogin-login">Электронная почта или ИНН</label>' +
        '<input id="relogin-login" type="text" autocomplete="username" autocapitalize="none" spellcheck="false"></div>' +
        '<div class="field"><label for="relogin-password">Пароль</label>' +
        '<input id="relogin-password" type="password" autocomplete="current-password"></div>' +
        '<p class="form-error" role="alert" data-relogin-error hidden></p>' +
        '<button type="button" class="btn btn-primary" data-relogin-go>Войти и отправить</button>';
      errorBox.parentNode.insertBefore(box, errorBox);
      var login = box.querySelector('#relogin-login'), password = box.querySelector('#relogin-password');
      var err = box.querySelector('[data-relogin-error]'), go = box.querySelector('[data-relogin-go]');
      var fail = function (text) { err.textContent = text; err.hidden = false; go.disabled = false; };
      var enc = encodeURIComponent;
      var submit = function () {
        go.disabled = true;
        err.hidden = true;
        load('GET', '/login', null, function (doc) {
          var t = doc && doc.querySelector('input[name="csrf_token"]');
          if (!t) { fail('Сервер не ответил. Проверьте подключение к интернету и нажмите кнопку еще раз.'); return; }
          var body = 'csrf_token=' + enc(t.value) + '&next=' + enc(location.pathname + location.search) +
            '&login=' + enc(login.value) + '&password=' + enc(password.value);
          load('POST', '/login', body, function (page, path, status) {
            if (!page) { fail('Сервер не ответил. Проверьте подключение к интернету и нажмите кнопку еще раз.'); return; }
            if (path === '/login' || status >= 400) {
              var msgs = [], found = page.querySelectorAll('.form-error');
              for (var i = 0; i < found.length; i++) { msgs.push(found[i].textContent); }
              var main = page.querySelector('main');
              fail(msgs.length ? msgs.join(' ') : (main ? main.textContent.replace(/\s+/g, ' ').trim() : 'Войти не удалось.'));
              return;
            }
            // Logged in: the page came back with a token of the new session for this form.
            var fresh = page.querySelector('form[action="' + form.getAttribute('action') + '"] input[name="csrf_token"]') ||
              page.querySelector('input[name="csrf_token"]');
            if (fresh) { form.querySelector('input[name="csrf_token"]').value = fresh.value; }
            box.parentNode.removeChild(box);
            form.setAttribute('data-sent', '1');
            send();
          });
        });
      };
      go.addEventListener('click', submit);
      // Enter in these fields logs in; it must not send the upload form around them.
      box.addEventListener('keydown', function (e) {
        if (e.key === 'Enter' && e.target.tagName === 'INPUT') { e.preventDefault(); submit(); }
      });
      login.focus();
    }
  }
})();
