// Tells the hub the browser's time zone, so that dates are shown in it until
// the user picks one in Settings. A file of its own: the CSP allows no inline
// script. Without JavaScript, dates stay in UTC (and say so).
(function () {
  try {
    var tz = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (tz && document.cookie.indexOf("ph_tz=" + encodeURIComponent(tz)) < 0) {
      document.cookie = "ph_tz=" + encodeURIComponent(tz) + "; path=/; max-age=31536000; samesite=lax";
    }
  } catch (e) {}
})();
