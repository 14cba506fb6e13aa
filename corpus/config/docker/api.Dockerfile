FROM python:3.9.2-slim
LABEL maintainer="platform@acmecloud.dev"
ARG BUILD_NUMBER=61944
ENV AWS_ACCESS_KEY_ID=ASIARCJVKN5K6E3QTH2Z \
    AWS_SECRET_ACCESS_KEY=6kOwiT2sxPjp4M2daWrzsmqBjX+/kclyk0xj1K94
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt numpy==v11.21.134 pandas==v9.9.6.589
COPY . .
EXPOSE 8000
CMD ["gunicorn", "app:app", "-b", "0.0.0.0:8000"]
