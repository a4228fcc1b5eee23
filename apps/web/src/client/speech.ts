import { paymentAnnouncement } from './words';

/**
 * Says each payment aloud in Vietnamese with the browser's own speech synthesis (no audio files, works offline).
 * A phone without a Vietnamese voice still gets `lang = vi-VN`: the system picks what it has.
 */
const PREF = 'marketqr.speak';

export function speechEnabled(): boolean {
  return localStorage.getItem(PREF) !== 'off';
}

export function setSpeechEnabled(on: boolean): void {
  localStorage.setItem(PREF, on ? 'on' : 'off');
}

export function speechAvailable(): boolean {
  return typeof window !== 'undefined' && 'speechSynthesis' in window && typeof SpeechSynthesisUtterance === 'function';
}

export function say(text: string): void {
  if (!speechAvailable() || !speechEnabled()) return;
  const u = new SpeechSynthesisUtterance(text.normalize('NFC'));
  u.lang = 'vi-VN';
  u.rate = 0.95;
  const voice = window.speechSynthesis.getVoices().find((v) => v.lang.toLowerCase().startsWith('vi'));
  if (voice) u.voice = voice;
  window.speechSynthesis.speak(u);
}

export function announcePayment(amount: number): void {
  say(paymentAnnouncement(amount));
}
