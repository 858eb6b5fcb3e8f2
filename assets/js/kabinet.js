// Progressive enhancement only: every page works without this file.
(function () {
  'use strict';
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
})();
