// saferoom: forms that move money (deskpay.c's pages) are sent once. The
// pages work without this file: the server keeps each form's one-time key
// and takes the money once however often the form is sent. This only
// spares the desk a second, refused sending after a double click, which
// for a voucher sheet would answer in place of the sheet itself.
'use strict';
(function () {
	var forms = document.querySelectorAll('form[data-once]');

	Array.prototype.forEach.call(forms, function (form) {
		form.addEventListener('submit', function (ev) {
			if (form.dataset.sent === '1') {
				ev.preventDefault();
				return;
			}
			form.dataset.sent = '1';
			Array.prototype.forEach.call(
			    form.querySelectorAll('button[type="submit"]'),
			    function (b) { b.setAttribute('aria-disabled', 'true'); });
		});
	});
	// A page shown again from the history may be sent again.
	window.addEventListener('pageshow', function () {
		Array.prototype.forEach.call(forms, function (form) {
			delete form.dataset.sent;
		});
	});
})();
