from django.urls import path

from ebooks import views

app_name = "ebooks"

# <ref> is a book's id or its slug (selectors.ebook_for_reader resolves both).
urlpatterns = [
    path("", views.ebook_list, name="ebook-list"),
    path("<slug:ref>/", views.ebook_detail, name="ebook-detail"),
    path("<slug:ref>/read", views.ebook_read, name="ebook-read"),
    path("<slug:ref>/file", views.ebook_file, name="ebook-file"),
    path("<slug:ref>/cover", views.ebook_cover, name="ebook-cover"),
    path("<slug:ref>/progress", views.ebook_progress, name="ebook-progress"),
    path("<slug:ref>/favourite", views.ebook_favourite, name="ebook-favourite"),
]
