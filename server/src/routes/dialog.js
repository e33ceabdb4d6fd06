// The sign-in dialog's last page: hands the page's message (a one-time code, or an outcome) to
// the task pane, which then closes the dialog. Served at /auth/dialog.js.
Office.onReady(function () {
  var message = document.getElementById('result').dataset.dialogMessage;
  if (message && Office.context.ui && Office.context.ui.messageParent) {
    Office.context.ui.messageParent(message);
  }
});
