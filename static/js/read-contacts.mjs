// Reads volunteers' contacts in the back office, in the browser: a progressive
// enhancement of the contact.asc downloads. The secret key file is read from the
// disk by the browser and never sent: its inputs have no name, the form is never
// submitted, and the only requests are the GETs of the contact.asc files.
// OpenPGP.js is served from this origin (make vendor), never from a CDN.
import * as openpgp from "../vendor/openpgp/openpgp.min.mjs";

const panel = document.getElementById("read-contacts");

async function readKey(file, passphrase) {
  const privateKey = await openpgp.readPrivateKey({ armoredKey: await file.text() });
  return privateKey.isDecrypted() ? privateKey
    : openpgp.decryptKey({ privateKey, passphrase });
}

async function readContact(link, key) {
  const response = await fetch(link.href, { credentials: "same-origin", cache: "no-store" });
  const text = await response.text();
  const armoredMessage = text.slice(text.indexOf("-----BEGIN PGP MESSAGE-----"));
  const message = await openpgp.readMessage({ armoredMessage });
  const { data } = await openpgp.decrypt({ message, decryptionKeys: key });
  return data;
}

if (panel) {
  panel.hidden = false;
  const form = panel.querySelector("form");
  const status = panel.querySelector("[data-status]");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const file = form.querySelector("input[type=file]").files[0];
    const passphrase = form.querySelector("input[type=password]").value;
    if (!file) {
      status.textContent = panel.dataset.msgChoose;
      return;
    }
    let key;
    try {
      key = await readKey(file, passphrase);
    } catch (error) {
      status.textContent = panel.dataset.msgKey;
      return;
    }
    let read = 0;
    for (const link of document.querySelectorAll("a[data-contact]")) {
      let output = link.parentElement.querySelector("output");
      if (!output) {
        output = document.createElement("output");
        output.className = "contact-plain";
        link.parentElement.append(output);
      }
      try {
        output.textContent = await readContact(link, key);  // text, never HTML
        read += 1;
      } catch (error) {
        output.textContent = panel.dataset.msgOther;
      }
    }
    status.textContent = panel.dataset.msgDone.replace("NUMBER", read);
  });
}
