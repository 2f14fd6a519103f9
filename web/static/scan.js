// saferoom: optional camera scanning on the desk page (/staff/desk). The
// desk works without this file: a USB or phone scanner types the ticket
// into the field and presses Enter. Where the browser has a QR reader
// (BarcodeDetector), this shows a "Scan with camera" button that reads the
// ticket from the camera, fills the field and sends the form. Nothing leaves
// the browser but that form; the picture is never sent or kept.
'use strict';
(function () {
	var form = document.getElementById('checkin-form');
	var field = document.getElementById('ticket');
	var button = document.getElementById('scan-camera');
	var box = document.getElementById('camera');
	var video = document.getElementById('camera-video');
	var msg = document.getElementById('camera-msg');
	var stop = document.getElementById('camera-stop');
	var stream = null, timer = null, detector = null;

	if (!form || !field || !button || !box || !video || !msg || !stop ||
	    !('BarcodeDetector' in window) || !navigator.mediaDevices ||
	    !navigator.mediaDevices.getUserMedia)
		return;

	function end() {
		if (timer !== null)
			clearTimeout(timer);
		timer = null;
		if (stream !== null)
			stream.getTracks().forEach(function (t) { t.stop(); });
		stream = null;
		video.srcObject = null;
		box.hidden = true;
		field.focus();
	}

	function tick() {
		if (stream === null)
			return;
		detector.detect(video).then(function (codes) {
			var i;

			for (i = 0; i < codes.length; i++) {
				if (codes[i].rawValue) {
					field.value = codes[i].rawValue;
					end();
					form.submit();
					return;
				}
			}
			timer = setTimeout(tick, 150);
		}, function () {
			timer = setTimeout(tick, 400);
		});
	}

	button.addEventListener('click', function () {
		if (stream !== null)
			return;
		msg.textContent = 'Hold the ticket\u2019s QR code in front of the camera.';
		box.hidden = false;
		navigator.mediaDevices.getUserMedia({
			video: { facingMode: 'environment' }, audio: false,
		}).then(function (s) {
			stream = s;
			video.srcObject = s;
			return video.play();
		}).then(tick, function () {
			end();
			box.hidden = false;
			msg.textContent = 'The camera could not be used. Scan with ' +
			    'the scanner or type the ticket instead.';
		});
	});
	stop.addEventListener('click', end);

	BarcodeDetector.getSupportedFormats().then(function (formats) {
		if (formats.indexOf('qr_code') === -1)
			return;
		detector = new BarcodeDetector({ formats: ['qr_code'] });
		button.hidden = false;
	}, function () { /* no reader: the button stays hidden */ });
})();
