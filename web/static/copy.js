// saferoom: optional copy button for the booking code. Every step works
// without this file; it only shows a button that copies the code.
'use strict';
document.querySelectorAll('button[data-copy]').forEach(function (button) {
	var source = document.getElementById(button.getAttribute('data-copy'));
	if (!source || !navigator.clipboard)
		return;
	button.hidden = false;
	button.addEventListener('click', function () {
		navigator.clipboard.writeText(source.getAttribute('data-code') ||
		    source.textContent.trim()).then(function () {
			button.textContent = 'Copied';
		}, function () {
			button.textContent = 'Select the code and copy it';
		});
	});
});
